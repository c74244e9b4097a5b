import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token is good for: a different purpose never verifies, even with the same user and key. */
const PURPOSE = 'digest-unsubscribe';
/** Mail sits in inboxes for weeks; a link from an old digest should still work. */
export const UNSUBSCRIBE_TOKEN_TTL_MS = 90 * 24 * 3600 * 1000;

function mac(secret: string, userId: number, expiresAtSeconds: number): string {
  return createHmac('sha256', secret).update(`${PURPOSE}:${userId}:${expiresAtSeconds}`).digest('base64url');
}

/**
 * `<userId>.<expiry in epoch seconds>.<HMAC-SHA256 over purpose, user and expiry>`: the link
 * works without signing in, names only the user it was sent to, and can do nothing but turn
 * the digest off. No row is stored; rotating MAIL_LINK_SECRET voids every link.
 */
export function createUnsubscribeToken(secret: string, userId: number, now: Date): string {
  const expiresAtSeconds = Math.floor((now.getTime() + UNSUBSCRIBE_TOKEN_TTL_MS) / 1000);
  return `${userId}.${expiresAtSeconds}.${mac(secret, userId, expiresAtSeconds)}`;
}

/** The user id of a genuine, unexpired token; null for anything else (never saying which check failed). */
export function verifyUnsubscribeToken(secret: string, token: string, now: Date): number | null {
  const match = /^(\d{1,15})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
  if (!match) return null;
  const userId = Number(match[1]);
  const expiresAtSeconds = Number(match[2]);
  const expected = Buffer.from(mac(secret, userId, expiresAtSeconds));
  const given = Buffer.from(match[3]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (expiresAtSeconds * 1000 <= now.getTime()) return null;
  return userId;
}
