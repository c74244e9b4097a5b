import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken, UNSUBSCRIBE_TOKEN_TTL_MS, verifyUnsubscribeToken } from './unsubscribe-token';

const secret = 'a'.repeat(40);
const now = new Date('2026-12-06T10:00:00Z');

describe('unsubscribe tokens', () => {
  it('verify for their user until they expire', () => {
    const token = createUnsubscribeToken(secret, 42, now);
    expect(verifyUnsubscribeToken(secret, token, now)).toBe(42);
    expect(verifyUnsubscribeToken(secret, token, new Date(now.getTime() + UNSUBSCRIBE_TOKEN_TTL_MS - 1000))).toBe(42);
    expect(verifyUnsubscribeToken(secret, token, new Date(now.getTime() + UNSUBSCRIBE_TOKEN_TTL_MS + 1000))).toBeNull();
  });

  it('refuse another key, another user, a moved expiry and garbage', () => {
    const token = createUnsubscribeToken(secret, 42, now);
    const [, expiry, signature] = token.split('.');
    expect(verifyUnsubscribeToken('b'.repeat(40), token, now)).toBeNull();
    expect(verifyUnsubscribeToken(secret, `43.${expiry}.${signature}`, now)).toBeNull();
    expect(verifyUnsubscribeToken(secret, `42.${Number(expiry) + 1}.${signature}`, now)).toBeNull();
    for (const bad of ['', '42', '42..', `42.${expiry}.${signature}x`, `x.${expiry}.${signature}`]) expect(verifyUnsubscribeToken(secret, bad, now)).toBeNull();
  });
});
