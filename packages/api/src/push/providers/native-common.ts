// What the FCM and APNs senders share: compact JWTs signed with node:crypto,
// endpoint checks, and the mapping of a delivery's urgency onto the platforms' priorities.
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { TPushUrgency } from '@chorus/db';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWS in compact form. ES256 signatures are raw r||s (JOSE), not DER. */
export function signJwt(alg: 'RS256' | 'ES256', header: Record<string, string>, claims: Record<string, string | number>, key: KeyObject): string {
  const input = `${base64url(JSON.stringify({ alg, typ: 'JWT', ...header }))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${base64url(signature)}`;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A platform's base URL as the operator configured it: https, or plain http on loopback (a local
 * stand-in). Returned without a trailing slash. Throws a message naming `name`.
 */
export function parseEndpoint(value: string, name: string, options: { httpsOnly?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  const loopbackHttp = url.protocol === 'http:' && loopbackHosts.has(url.hostname) && !options.httpsOnly;
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new Error(`${name} must be an https URL${options.httpsOnly ? '' : ' (plain http only on loopback)'}`);
  }
  if (url.username || url.password || url.search || url.hash) throw new Error(`${name} must be a bare base URL (no credentials, query or fragment)`);
  return url.href.replace(/\/+$/, '');
}

/**
 * Web Push's four urgencies on platforms that have two or three priorities. `normal` is what a
 * chat message gets and is shown at once (FCM `high`, APNs 10: "normal" on those platforms means
 * "when the device is awake anyway"); `low` and `very-low` wait for the device's convenience.
 */
export function platformPriority(urgency: TPushUrgency): { android: 'high' | 'normal'; apns: '10' | '5' | '1'; sound: boolean } {
  switch (urgency) {
    case 'high':
    case 'normal':
      return { android: 'high', apns: '10', sound: true };
    case 'low':
      return { android: 'normal', apns: '5', sound: false };
    case 'very-low':
      return { android: 'normal', apns: '1', sound: false };
  }
}

/** Unix seconds after which the platform drops an undelivered push; 0 means "now or never" (APNs and FCM alike). */
export function expirationSeconds(nowMs: number, ttlSeconds: number): number {
  return ttlSeconds > 0 ? Math.floor(nowMs / 1000) + ttlSeconds : 0;
}

/** APNs caps `apns-collapse-id` at 64 bytes: longer keys become a hash, still equal for equal keys. */
export function apnsCollapseId(key: string): string {
  return Buffer.byteLength(key) <= 64 ? key : createHash('sha256').update(key).digest('base64url');
}

export const TITLE_MAX_CHARS = 120;
export const BODY_MAX_CHARS = 600;

/** The payload's fields other than the visible text, as the string map both platforms carry. */
export function pushData(payload: { type: string; conversationId?: number; messageId?: number; url?: string }): Record<string, string> {
  const data: Record<string, string> = { type: payload.type };
  if (payload.conversationId !== undefined) data.conversationId = String(payload.conversationId);
  if (payload.messageId !== undefined) data.messageId = String(payload.messageId);
  if (payload.url !== undefined) data.url = payload.url;
  return data;
}

/** An error's class and code, for reasons that must never carry a request's content. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  // Only string codes (ECONNREFUSED, ERR_HTTP2_…): DOMException's numeric `code` says nothing.
  const codeOf = (value: Error) => {
    const code: unknown = (value as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : undefined;
  };
  const cause = error.cause instanceof Error ? (codeOf(error.cause) ?? error.cause.name) : undefined;
  return [error.name, codeOf(error) ?? cause].filter(Boolean).join(' ');
}
