import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEV_LINK_SECRET_FILE = 'files-link-secret';

/**
 * For development only (production sets FILES_LINK_SECRET): reads `<dir>/files-link-secret`, or
 * creates it with 32 random bytes, so signed links survive restarts. Written aside and linked
 * into place, so two processes starting together agree on one secret.
 */
export async function loadOrCreateDevLinkSecret(dir: string): Promise<{ secret: string; created: boolean; path: string }> {
  const path = join(dir, DEV_LINK_SECRET_FILE);
  const existing = await readSecret(path);
  if (existing) return { secret: existing, created: false, path };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: (await readSecret(path)) ?? secret, created: false, path };
  } finally {
    await unlink(temp);
  }
  return { secret, created: true, path };
}

async function readSecret(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
