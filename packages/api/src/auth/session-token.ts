import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** A fresh `<id>.<secret>` token; id 120 bits, secret 160 bits, both from the CSPRNG. */
export function generateSessionToken(): { token: string; id: string; secretHash: string } {
  const id = randomBase32(15);
  const secret = randomBase32(20);
  return { token: `${id}.${secret}`, id, secretHash: hashSecret(secret) };
}

/** Splits a token into its parts; null when it cannot be one of ours. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = /^([a-z2-7]{24})\.([a-z2-7]{32})$/.exec(token);
  if (!match) return null;
  return { id: match[1]!, secret: match[2]! };
}

export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(hashSecret(secret)), encoder.encode(storedHash));
}

function randomBase32(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return encodeBase32LowerCaseNoPadding(buffer);
}
