/** Why a fetch gave nothing usable; logged, and cached as "no preview" like an empty page. */
export class PreviewFetchError extends Error {
  constructor(
    readonly reason: 'status' | 'type' | 'too_large' | 'redirects' | 'scheme',
    message: string,
  ) {
    super(message);
    this.name = 'PreviewFetchError';
  }
}

export interface FetchLimits {
  fetch: typeof fetch;
  timeoutMs: number;
  maxRedirects: number;
}

export interface Fetched {
  /** The URL answered at last (after redirects). */
  url: string;
  contentType: string;
  /** The body, at most `maxBytes` of it. */
  body: Buffer;
  /** The body was longer than `maxBytes`. */
  truncated: boolean;
}

const HEADERS = {
  'user-agent': 'ChorusLinkPreview/1.0 (+link previews for chat messages)',
  'accept-language': 'en;q=0.9, *;q=0.5',
};

/**
 * GET with redirects followed one hop at a time: each hop must be http(s), and each connection
 * goes through the guarded fetch, so an allowed site cannot redirect into a private network.
 * `accepts` is asked about the content type before any of the body is read; the body is read
 * up to `maxBytes` (`truncateOk`: keep what arrived, else fail). One deadline covers everything.
 */
export async function fetchLimited(
  limits: FetchLimits,
  start: string,
  want: { accept: string; accepts: (contentType: string) => boolean; maxBytes: number; truncateOk: boolean },
): Promise<Fetched> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = start;
  for (let hop = 0; ; hop++) {
    const response = await limits.fetch(url, { redirect: 'manual', signal, headers: { ...HEADERS, accept: want.accept } });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= limits.maxRedirects) throw new PreviewFetchError('redirects', `more than ${limits.maxRedirects} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new PreviewFetchError('scheme', `redirect to ${next.protocol}`);
      url = next.href;
      continue;
    }
    const contentType = (response.headers.get('content-type') ?? '').toLowerCase();
    if (!response.ok) {
      await response.body?.cancel();
      throw new PreviewFetchError('status', `HTTP ${response.status}`);
    }
    if (!want.accepts(contentType)) {
      await response.body?.cancel();
      throw new PreviewFetchError('type', `content type ${contentType || 'missing'}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (!want.truncateOk && declared > want.maxBytes) {
      await response.body?.cancel();
      throw new PreviewFetchError('too_large', `${declared} bytes`);
    }
    const { body, truncated } = await readAtMost(response, want.maxBytes);
    if (truncated && !want.truncateOk) throw new PreviewFetchError('too_large', `over ${want.maxBytes} bytes`);
    return { url, contentType, body, truncated };
  }
}

/** Reads the body until `maxBytes`, then cancels the rest (the connection is not drained). */
async function readAtMost(response: Response, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  if (!response.body) return { body: Buffer.alloc(0), truncated: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: Buffer.concat(chunks), truncated: false };
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(Buffer.from(value.buffer, value.byteOffset, room));
      await reader.cancel();
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    size += value.byteLength;
  }
}
