import { createDecipheriv, hkdfSync, type ECDH } from 'node:crypto';

const KEY_INFO = Buffer.from('WebPush: info\0');
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0');
const TAG_BYTES = 16;

/**
 * Decrypts a Web Push message body as the browser would (RFC 8291 key derivation over the
 * RFC 8188 aes128gcm record format): header salt(16) | rs(4) | idlen(1) | keyid (the sender's
 * ephemeral public key), then records of `rs` bytes each ending in a GCM tag.
 */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const senderPublic = body.subarray(21, 21 + idLength);
  if (idLength !== 65 || recordSize < 18) throw new Error('aes128gcm header: keyid must be a 65-byte P-256 key and rs at least 18');
  const ecdhSecret = receiver.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([KEY_INFO, receiver.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, CEK_INFO, 16));
  const baseNonce = Buffer.from(hkdfSync('sha256', ikm, salt, NONCE_INFO, 12));

  const parts: Buffer[] = [];
  const records = body.subarray(21 + idLength);
  for (let offset = 0, seq = 0; offset < records.length; offset += recordSize, seq++) {
    const record = records.subarray(offset, offset + recordSize);
    const last = offset + recordSize >= records.length;
    const nonce = Buffer.from(baseNonce);
    // The sequence number is XORed into the nonce's low bytes (fewer than 2^32 records here).
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
    // Padding: a delimiter (2 in the last record, 1 before) then zeros.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (plain[end] !== (last ? 2 : 1)) throw new Error('aes128gcm padding delimiter wrong');
    parts.push(plain.subarray(0, end));
  }
  return Buffer.concat(parts);
}
