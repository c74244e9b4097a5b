export interface UploadOptions {
  /** Bytes sent so far and the total, as the upload goes. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Uploads a file to the server's tus endpoint (`/files/`, same origin: the session cookie
 * authenticates it) and resolves with the file id. A dropped connection resumes by itself.
 */
export async function uploadFile(file: File, options: UploadOptions = {}): Promise<string> {
  // The tus client loads with the first upload, not with the app's first screen.
  const { Upload } = await import('tus-js-client');
  return new Promise((resolve, reject) => {
    // Cancelling deletes the upload on the server, so only an unfinished one may be cancelled.
    const cancel = () => {
      void upload.abort(true);
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    const upload = new Upload(file, {
      endpoint: `${window.location.origin}/files/`,
      chunkSize: 8 * 1024 * 1024,
      metadata: { filename: file.name, filetype: file.type },
      retryDelays: [0, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onError: (error) => {
        options.signal?.removeEventListener('abort', cancel);
        reject(error);
      },
      onSuccess: () => {
        options.signal?.removeEventListener('abort', cancel);
        const id = upload.url?.split('/').pop();
        if (id) resolve(id);
        else reject(new Error('The server did not name the upload'));
      },
    });
    if (options.signal?.aborted) return cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    upload.start();
  });
}
