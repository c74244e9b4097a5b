import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';

/**
 * The Content-Security-Policy of the web app's HTML. The app loads only its own scripts (no
 * inline script, no eval), inline styles (React `style` props), images and media from its own
 * origin (`/files/...`, `/ai/images/...`) or made in the page (`blob:` previews, `data:` icons).
 *
 * `connect-src 'self'` covers fetch and the same-origin WebSocket: CSP 3 lets 'self' match
 * ws:/wss: on the page's host and port (Chromium since 71, seen in 156 to open the page's own
 * socket and refuse another port's; Firefox; Safari 16). Naming `ws: wss:` would let injected
 * script talk to any socket server, so they are left out.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Calls use getUserMedia (camera, microphone) and may share a screen; watch-together goes full
 * screen. Everything else a page could ask for is off.
 */
export const PERMISSIONS_POLICY = [
  'camera=(self)',
  'microphone=(self)',
  'display-capture=(self)',
  'fullscreen=(self)',
  'autoplay=(self)',
  'geolocation=()',
  'payment=()',
  'usb=()',
].join(', ');

export const HTML_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': PERMISSIONS_POLICY,
};

/** A year, and the subdomains (which live under the server's own name) with it. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/**
 * Whether the browser reached us over HTTPS: on a TLS socket of our own, or, behind a trusted
 * proxy, per its `X-Forwarded-Proto` (the first value: the hop nearest the browser, as
 * `X-Forwarded-For` is read). Without TRUST_PROXY the header is anyone's to send and is ignored.
 */
export function arrivedOverTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if (req.socket instanceof TLSSocket) return true;
  if (!trustProxy) return false;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * Headers every HTTP response carries, whichever route (or error path) answers it: set once
 * before routing, so no route can forget them. `nosniff` stops a browser from reading a JSON
 * error or a download as HTML or script; no referrer leaves for other sites. HSTS is sent only
 * over HTTPS (browsers ignore it on plain HTTP, and a plain-HTTP deployment must not pin itself).
 */
export function setBaseSecurityHeaders(req: IncomingMessage, res: ServerResponse, trustProxy: boolean): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  if (arrivedOverTls(req, trustProxy)) res.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
}
