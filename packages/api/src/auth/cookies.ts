import type { ServerResponse } from 'node:http';
import { SESSION_COOKIE } from '../context';

/** Browsers get the session as an HttpOnly cookie as well as in the response body. */
export function setSessionCookie(res: ServerResponse | null, token: string, expiresAt: Date, secure: boolean): void {
  if (!res || res.headersSent) return;
  const attributes = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expiresAt.toUTCString()}`];
  if (secure) attributes.push('Secure');
  res.appendHeader('set-cookie', attributes.join('; '));
}

export function clearSessionCookie(res: ServerResponse | null, secure: boolean): void {
  if (!res || res.headersSent) return;
  res.appendHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`);
}
