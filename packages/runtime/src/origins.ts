import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Browsers always send `Origin` on cross-site and WebSocket requests; scripts and native
 * apps usually send none. A request with an Origin outside the allow-list is refused, which
 * stops cross-site WebSocket hijacking and cross-site writes with a cookie session.
 */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowed.has(origin);
}

/** CORS headers for an allowed browser origin. Returns true when the request was a preflight. */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'x-request-id');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, trpc-accept, x-request-id');
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204).end();
  return true;
}
