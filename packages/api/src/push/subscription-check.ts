import { createECDH } from 'node:crypto';
import { AppError } from '../errors';
import { validateProviderUrl, type EgressPolicy, type LookupFn } from '../net/ssrf-guard';

/** Decodes base64url (padding tolerated) or refuses with a message naming the field. */
function decodeKey(value: string, field: string): Buffer {
  const bytes = Buffer.from(value.replace(/=+$/, ''), 'base64url');
  if (bytes.toString('base64url') !== value.replace(/=+$/, '')) throw new AppError('BAD_INPUT', `${field} is not base64url`);
  return bytes;
}

/**
 * The subscription's keys as RFC 8291 needs them: p256dh an uncompressed P-256 point (65
 * bytes, and on the curve), auth 16 bytes. Checked now so a bad key fails the registration
 * rather than every later push.
 */
export function checkSubscriptionKeys(keys: { p256dh: string; auth: string }): void {
  const point = decodeKey(keys.p256dh, 'keys.p256dh');
  if (point.length !== 65 || point[0] !== 0x04) throw new AppError('BAD_INPUT', 'keys.p256dh must be an uncompressed P-256 public key (65 bytes)');
  try {
    // Throws for a point that is not on the curve.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(point);
  } catch {
    throw new AppError('BAD_INPUT', 'keys.p256dh is not a point on P-256');
  }
  if (decodeKey(keys.auth, 'keys.auth').length !== 16) throw new AppError('BAD_INPUT', 'keys.auth must be 16 bytes');
}

/**
 * A Web Push endpoint is a URL the server will POST to, chosen by the client: https only, and
 * its host must resolve to addresses the egress policy allows (public ones in production), the
 * same guard as AI provider URLs. The sender checks again at connect time (DNS may change).
 */
export async function checkEndpoint(endpoint: string, policy: EgressPolicy, lookup?: LookupFn): Promise<void> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AppError('BAD_INPUT', 'Push endpoint refused: it is not a valid URL');
  }
  if (url.protocol !== 'https:') throw new AppError('BAD_INPUT', 'Push endpoint refused: it must be https');
  try {
    await validateProviderUrl(endpoint, policy, lookup);
  } catch (error) {
    if (error instanceof AppError) throw new AppError('BAD_INPUT', error.message.replace(/^Provider URL/, 'Push endpoint'));
    throw error;
  }
}
