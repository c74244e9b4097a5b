// The files benchmark's load process, forked by files.ts: the tus clients (tus-js-client, reading
// each file from disk through an fs.ReadStream) run here, so their CPU and buffers are not the
// server's, whose memory the benchmark watches.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { serveLoadRequests } from '../lib/load-process';
import { loadTusClient } from '../lib/workspace';

export interface UploadSpec {
  /** Session token of the uploading user (each upload its own user: 60 new uploads a minute each). */
  token: string;
  /** The file to send, read from disk. */
  path: string;
  name: string;
}

export type FilesLoadRequest =
  | { op: 'ready' }
  /** All uploads at once, each one tus upload of its own (POST, then PATCHes of chunkSize bytes). */
  | { op: 'upload'; url: string; uploads: UploadSpec[]; chunkSize: number; timeoutMs: number }
  | { op: 'stop' };

export interface UploadTiming {
  fileId: string;
  /** upload.start() → the server's answer to the last PATCH (the file is ready then: finalizing runs before it). */
  totalMs: number;
  /** upload.start() → the first PATCH is sent (POST /files/ creating the upload and its row). */
  createMs: number;
  /** First PATCH sent → the last PATCH's body read to its end from the file (piped on; at most the socket's buffers behind). */
  bytesMs: number;
  /** The last body byte read → the last PATCH's answer: the server's tail (the bytes still in flight, the SHA-256 pass, the row update). */
  finishMs: number;
  patches: number;
  error?: string;
}

export interface UploadBatch {
  /** From starting the first to the last one's answer. */
  wallMs: number;
  uploads: UploadTiming[];
}

type Tus = Awaited<ReturnType<typeof loadTusClient>>;
let tusClient: Tus | undefined;

/** tus-js-client's own Node HTTP stack, telling when a PATCH's body stream has been read to its end (its onProgress is throttled and says nothing about the last bytes). */
function timedHttpStack(tus: Tus, onBodyEnd: () => void): InstanceType<Tus['DefaultHttpStack']> {
  const base = new tus.DefaultHttpStack({});
  return {
    getName: () => 'bench (tus-js-client Node stack)',
    createRequest(method, url) {
      const request = base.createRequest(method, url);
      if (method !== 'PATCH') return request;
      const send = request.send.bind(request);
      request.send = (body?: unknown) => {
        if (body instanceof Readable) body.once('end', onBodyEnd);
        return send(body);
      };
      return request;
    },
  };
}

function uploadOne(tus: Tus, url: string, spec: UploadSpec, chunkSize: number, timeoutMs: number): Promise<UploadTiming> {
  const t0 = performance.now();
  let firstPatchAt = Number.NaN;
  let lastByteAt = Number.NaN;
  let patches = 0;
  return new Promise((resolve) => {
    const timing = (error?: string): UploadTiming => {
      const end = performance.now();
      const fileId = upload.url?.split('/').pop() ?? '';
      return {
        fileId,
        totalMs: end - t0,
        createMs: firstPatchAt - t0,
        bytesMs: lastByteAt - firstPatchAt,
        finishMs: end - lastByteAt,
        patches,
        ...(error ? { error } : {}),
      };
    };
    const timer = setTimeout(() => {
      void upload.abort(false);
      resolve(timing(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const upload = new tus.Upload(createReadStream(spec.path), {
      endpoint: `${url}/files/`,
      headers: { authorization: `Bearer ${spec.token}` },
      chunkSize,
      metadata: { filename: spec.name, filetype: 'application/octet-stream' },
      // A failed request is a finding, not something to retry through.
      retryDelays: [],
      storeFingerprintForResuming: false,
      // The last PATCH's end is the one that counts: each one overwrites the time.
      httpStack: timedHttpStack(tus, () => (lastByteAt = performance.now())),
      onBeforeRequest: (req) => {
        if (req.getMethod() !== 'PATCH') return;
        if (patches++ === 0) firstPatchAt = performance.now();
      },
      onSuccess: () => {
        clearTimeout(timer);
        resolve(timing());
      },
      onError: (error) => {
        clearTimeout(timer);
        resolve(timing(String(error)));
      },
    });
    upload.start();
  });
}

async function handle(req: FilesLoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'ready':
      tusClient ??= await loadTusClient();
      return null;
    case 'upload': {
      const tus = (tusClient ??= await loadTusClient());
      const t0 = performance.now();
      const uploads = await Promise.all(req.uploads.map((spec) => uploadOne(tus, req.url, spec, req.chunkSize, req.timeoutMs)));
      return { wallMs: performance.now() - t0, uploads } satisfies UploadBatch;
    }
    case 'stop':
      return null;
  }
}

serveLoadRequests(handle);
