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
