import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { assertRing, type KeyRing } from './key-ring';

export { formatKeyRing, loadOrCreateDevKeyRing, parseKeyRing, type KeyRing } from './key-ring';

/** What is stored per secret: base64 of iv(12) | tag(16) | data, and the key version that sealed it. */
export interface SealedSecret {
  ciphertext: string;
  keyVersion: number;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM for users' provider API keys at rest. */
export class KeyVault {
  readonly #current: number;
  readonly #keys: ReadonlyMap<number, Buffer>;

  constructor(ring: KeyRing) {
    assertRing(ring);
    this.#current = ring.current;
    // Copied so a caller mutating its ring cannot swap keys under a live vault.
    this.#keys = new Map([...ring.keys].map(([version, key]) => [version, Buffer.from(key)]));
  }

  get currentVersion(): number {
    return this.#current;
  }

  /**
   * `context` (e.g. `ai-config:<userId>`) is authenticated but not stored: a ciphertext copied
   * into another row opens only with that row's context, so it fails there.
   */
  seal(plaintext: string, context: string): SealedSecret {
    const key = this.#keys.get(this.#current) as Buffer;
    // GCM must never reuse an IV under one key; 96 random bits is safe far beyond our volume.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const ciphertext = Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
    return { ciphertext, keyVersion: this.#current };
  }

  /** Errors say why only in general terms: never the key, the plaintext or the context. */
  open(sealed: SealedSecret, context: string): string {
    const key = this.#keys.get(sealed.keyVersion);
    if (!key) throw new Error(`cannot decrypt secret: unknown key version ${sealed.keyVersion}`);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('cannot decrypt secret: ciphertext is truncated');
    const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    try {
      const data = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return data.toString('utf8');
    } catch {
      throw new Error('cannot decrypt secret: authentication failed (tampered data, wrong key or wrong context)');
    }
  }

  /** True when the secret should be re-sealed under the current key (open, then seal). */
  needsRotation(sealed: { keyVersion: number }): boolean {
    return sealed.keyVersion !== this.#current;
  }
}
