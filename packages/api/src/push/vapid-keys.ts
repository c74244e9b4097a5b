import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import webpush from 'web-push';

export const DEV_VAPID_KEYS_FILE = 'push-vapid-keys.json';

/**
 * For development only (production sets VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY): reads
 * `<dir>/push-vapid-keys.json` or creates it, so browsers' subscriptions (made for one public
 * key) outlive restarts. Written aside and linked into place: processes starting together agree.
 */
export async function loadOrCreateDevVapidKeys(dir: string): Promise<{ publicKey: string; privateKey: string; created: boolean; path: string }> {
  const path = join(dir, DEV_VAPID_KEYS_FILE);
  const existing = await readKeys(path);
  if (existing) return { ...existing, created: false, path };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = webpush.generateVAPIDKeys();
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey })}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ...((await readKeys(path)) ?? keys), created: false, path };
  } finally {
    await unlink(temp);
  }
  return { ...keys, created: true, path };
}

async function readKeys(path: string): Promise<{ publicKey: string; privateKey: string } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as { publicKey?: unknown; privateKey?: unknown };
  if (typeof parsed.publicKey !== 'string' || typeof parsed.privateKey !== 'string') throw new Error(`${path}: not a VAPID key pair`);
  return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
}
