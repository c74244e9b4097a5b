import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatKeyRing, KeyVault, loadOrCreateDevKeyRing, parseKeyRing, type KeyRing } from './key-vault';

const key = () => randomBytes(32).toString('base64');
const ring = (spec: string): KeyRing => parseKeyRing(spec);
const SECRET = 'sk-proj-abcdef0123456789';

describe('KeyVault', () => {
  const vault = new KeyVault(ring(`1:${key()}`));

  it('round-trips a secret under its context', () => {
    const sealed = vault.seal(SECRET, 'ai-config:u1');
    expect(sealed.keyVersion).toBe(1);
    expect(sealed.ciphertext).not.toContain(SECRET);
    expect(vault.open(sealed, 'ai-config:u1')).toBe(SECRET);
    expect(vault.open(vault.seal('', 'c'), 'c')).toBe('');
  });

  it('uses a fresh IV for every seal', () => {
    const a = vault.seal(SECRET, 'c');
    const b = vault.seal(SECRET, 'c');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(b.ciphertext, 'base64').subarray(0, 12));
  });

  it('refuses a ciphertext opened under another context (copied to another user)', () => {
    const sealed = vault.seal(SECRET, 'ai-config:u1');
    expect(() => vault.open(sealed, 'ai-config:u2')).toThrow(/^cannot decrypt/);
  });

  it('refuses tampered iv, tag, data or a truncated ciphertext, without leaking the plaintext', () => {
    const sealed = vault.seal(SECRET, 'c');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    for (const offset of [0, 12, 28, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[offset] = (tampered[offset] ?? 0) ^ 1;
      const open = () => vault.open({ ...sealed, ciphertext: tampered.toString('base64') }, 'c');
      expect(open).toThrow(/^cannot decrypt/);
      expect(open).not.toThrow(SECRET);
    }
    expect(() => vault.open({ ...sealed, ciphertext: bytes.subarray(0, 20).toString('base64') }, 'c')).toThrow(/^cannot decrypt/);
  });

  it('opens secrets sealed under an older key after rotation, and flags them for re-sealing', () => {
    const v1 = key();
    const old = new KeyVault(ring(`1:${v1}`)).seal(SECRET, 'c');
    const rotated = new KeyVault(ring(`2:${key()},1:${v1}`));
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.open(old, 'c')).toBe(SECRET);
    expect(rotated.needsRotation(old)).toBe(true);
    const resealed = rotated.seal(rotated.open(old, 'c'), 'c');
    expect(resealed.keyVersion).toBe(2);
    expect(rotated.needsRotation(resealed)).toBe(false);
  });

  it('refuses an unknown key version', () => {
    const sealed = vault.seal(SECRET, 'c');
    expect(() => vault.open({ ...sealed, keyVersion: 9 }, 'c')).toThrow('cannot decrypt secret: unknown key version 9');
    // Same version number, different key: authentication fails rather than returning garbage.
    expect(() => new KeyVault(ring(`1:${key()}`)).open(sealed, 'c')).toThrow(/^cannot decrypt/);
  });

  it('is not affected by later changes to the ring it was built from', () => {
    const r = ring(`1:${key()}`);
    const v = new KeyVault(r);
    const sealed = v.seal(SECRET, 'c');
    r.keys.set(1, randomBytes(32));
    expect(v.open(sealed, 'c')).toBe(SECRET);
  });
});

describe('parseKeyRing / formatKeyRing', () => {
  it('takes the first entry as current and round-trips', () => {
    const [a, b, c] = [key(), key(), key()];
    const spec = `3:${a}, 1:${b} ,2:${c}`;
    const parsed = parseKeyRing(spec);
    expect(parsed.current).toBe(3);
    expect([...parsed.keys.keys()]).toEqual([3, 1, 2]);
    expect(parsed.keys.get(1)?.toString('base64')).toBe(b);
    expect(formatKeyRing(parsed)).toBe(`3:${a},1:${b},2:${c}`);
    expect(
      formatKeyRing({
        current: 2,
        keys: new Map([
          [1, Buffer.alloc(32, 1)],
          [2, Buffer.alloc(32, 2)],
        ]),
      }),
    ).toMatch(/^2:.*,1:/);
  });

  const good = key();
  const short = randomBytes(16).toString('base64');
  const cases: Array<[string, string, RegExp]> = [
    ['empty', ' ', /no keys/],
    ['no version', good, /expected <version>:<base64 key>/],
    ['version 0', `0:${good}`, /version must be an integer/],
    ['negative version', `-1:${good}`, /version must be an integer/],
    ['fractional version', `1.5:${good}`, /version must be an integer/],
    ['duplicate version', `1:${good},1:${key()}`, /version 1 is listed twice/],
    ['short key', `1:${short}`, /exactly 32 bytes/],
    ['non-base64 key', `1:${good.slice(0, 20)}!!${good.slice(22)}`, /exactly 32 bytes/],
    ['trailing comma', `1:${good},`, /entry 2/],
  ];
  it.each(cases)('rejects %s without echoing key material', (_name, spec, message) => {
    let error: unknown;
    try {
      parseKeyRing(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    for (const material of [good, short, good.slice(0, 20)]) expect((error as Error).message).not.toContain(material);
  });
});

describe('loadOrCreateDevKeyRing', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('creates a 0600 key file once, then reads back the same ring', async () => {
    const base = await mkdtemp(join(tmpdir(), 'chorus-keys-'));
    dirs.push(base);
    const dir = join(base, 'nested');
    const first = await loadOrCreateDevKeyRing(dir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir, 'ai-encryption-keys'));
    expect(first.ring.current).toBe(1);
    expect(first.ring.keys.get(1)).toHaveLength(32);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect((await readFile(first.path, 'utf8')).trim()).toBe(formatKeyRing(first.ring));

    const second = await loadOrCreateDevKeyRing(dir);
    expect(second.created).toBe(false);
    expect(formatKeyRing(second.ring)).toBe(formatKeyRing(first.ring));
    const sealed = new KeyVault(first.ring).seal(SECRET, 'c');
    expect(new KeyVault(second.ring).open(sealed, 'c')).toBe(SECRET);
  });

  it('gives every concurrent caller the same key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-keys-'));
    dirs.push(dir);
    const results = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateDevKeyRing(dir)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => formatKeyRing(r.ring))).size).toBe(1);
  });
});
