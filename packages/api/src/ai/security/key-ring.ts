import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** 32-byte AES-256 keys by version; `current` seals, every key in `keys` may open. */
export interface KeyRing {
  current: number;
  keys: Map<number, Buffer>;
}

const KEY_BYTES = 32;
// Versions are stored in an integer column next to each ciphertext; keep them small and positive.
const VERSION = /^[1-9][0-9]{0,8}$/;

/**
 * Parses `AI_ENCRYPTION_KEYS`: comma-separated `<version>:<base64 of 32 bytes>`, current key first.
 * Errors name the entry by position and version only: the spec is a secret and error messages end up in logs.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) throw new Error('AI_ENCRYPTION_KEYS: no keys given');
  const keys = new Map<number, Buffer>();
  let current: number | undefined;
  entries.forEach((entry, index) => {
    const where = `AI_ENCRYPTION_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where}: expected <version>:<base64 key>`);
    const versionText = entry.slice(0, colon).trim();
    if (!VERSION.test(versionText)) throw new Error(`${where}: version must be an integer from 1 to 999999999`);
    const version = Number(versionText);
    if (keys.has(version)) throw new Error(`${where}: version ${version} is listed twice`);
    keys.set(version, decodeKey(entry.slice(colon + 1).trim(), `${where} (version ${version})`));
    current ??= version;
  });
  if (current === undefined) throw new Error('AI_ENCRYPTION_KEYS: no keys given');
  return { current, keys };
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  // Buffer.from skips characters that are not base64, so insist on the canonical encoding to catch typos.
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new Error(`${where}: key must be the base64 of exactly ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** Inverse of parseKeyRing: the current key first, the others in the ring's order. */
export function formatKeyRing(ring: KeyRing): string {
  assertRing(ring);
  const versions = [ring.current, ...[...ring.keys.keys()].filter((v) => v !== ring.current)];
  return versions.map((v) => `${v}:${(ring.keys.get(v) as Buffer).toString('base64')}`).join(',');
}

export function assertRing(ring: KeyRing): void {
  if (!ring.keys.has(ring.current)) throw new Error(`key ring: current version ${ring.current} has no key`);
  for (const [version, key] of ring.keys) {
    if (!Number.isSafeInteger(version) || version < 1) throw new Error(`key ring: bad version ${version}`);
    if (key.length !== KEY_BYTES) throw new Error(`key ring: key version ${version} is not ${KEY_BYTES} bytes`);
  }
}

export const DEV_KEY_FILE = 'ai-encryption-keys';

/**
 * For development only (the caller must refuse this in production, where losing the file would lose
 * every stored API key): reads `<dir>/ai-encryption-keys`, or creates it with one random key.
 * `created` lets the caller warn that secrets are protected by a file on local disk.
 */
export async function loadOrCreateDevKeyRing(dir: string): Promise<{ ring: KeyRing; created: boolean; path: string }> {
  const path = join(dir, DEV_KEY_FILE);
  const existing = await readSpec(path);
  if (existing !== undefined) return { ring: parseSpecFile(existing, path), created: false, path };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ring: KeyRing = { current: 1, keys: new Map([[1, randomBytes(KEY_BYTES)]]) };
  // Write aside, then link into place: link fails if the file exists, so two processes starting
  // together never each use a different key, and nobody ever reads a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${formatKeyRing(ring)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ring: parseSpecFile(await readFile(path, 'utf8'), path), created: false, path };
  } finally {
    await unlink(temp);
  }
  return { ring, created: true, path };
}

async function readSpec(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseSpecFile(spec: string, path: string): KeyRing {
  try {
    return parseKeyRing(spec);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}
