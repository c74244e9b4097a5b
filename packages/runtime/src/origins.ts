import type { IncomingMessage, ServerResponse } from 'node:http';

export interface OriginPolicyOptions {
  /** Cross-origin browser pages allowed to call the API (PUBLIC_ORIGINS). */
  publicOrigins: Iterable<string>;
  /** Behind a proxy, the host the browser used is in `x-forwarded-host`. */
  trustProxy: boolean;
}

/** Whether a request may proceed, given its `Origin`: the one rule for HTTP, WebSockets and /files. */
export type OriginAllowed = (req: IncomingMessage) => boolean;

/**
 * Browsers always send `Origin` on cross-site and WebSocket requests; scripts and native apps
 * usually send none. A request with an Origin is allowed when it is the server's own origin or
 * one of PUBLIC_ORIGINS; any other is refused, which stops cross-site WebSocket hijacking and
 * cross-site writes with a cookie session.
 *
 * Own origin means the Origin's host:port is the Host the request was sent to, so the app served
 * at `/` works on whatever name and port the server is reached by, without configuration. This
 * is safe against DNS rebinding: a page of evil.example whose name was made to point at this
 * server does send `Origin: http://evil.example` with `Host: evil.example` and is let in, but
 * cookies are scoped to the host name the browser used, so its requests carry no session of a
 * user of the real host name. They can do only what any script without an Origin already can.
 */
export function createOriginPolicy(options: OriginPolicyOptions): OriginAllowed {
  const allowed = new Set(options.publicOrigins);
  return (req) => {
    const origin = req.headers.origin;
    return origin === undefined || allowed.has(origin) || isOwnOrigin(origin, requestHost(req, options.trustProxy));
  };
}

function requestHost(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? req.headers['x-forwarded-host'] : undefined;
  // A chain of proxies lists hosts from the browser's side first.
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || req.headers.host;
}

/** A bare `host[:port]`: no user info, path, query or whitespace smuggled into the header. */
const HOST = /^(?:\[[0-9a-f:.]+\]|[^\s/\\?#@[\]:]+)(?::\d{1,5})?$/i;

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (!host || !HOST.test(host)) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file:) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  try {
    // Parsed with the Origin's scheme, so `host:80` for http equals `host` (default ports dropped), case folded.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}

/** CORS headers for an allowed browser origin. Returns true when the request was a preflight. */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'x-request-id');
  }
  // Also without an Origin: a cache must not hand this answer (without CORS headers) to a browser page.
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, trpc-accept, x-request-id');
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204).end();
  return true;
}
