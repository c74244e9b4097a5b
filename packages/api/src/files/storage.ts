import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';

/** An inclusive byte range, as HTTP `Range` names it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObject {
  size: number;
  modifiedAt: Date;
}

/**
 * Where file bytes live. Keys are relative paths of `[\w.-]` segments (`uploads/<id>`,
 * `derived/<id>/thumbnail.webp`). Uploads are written by tus's FileStore into `uploadsDir`, so a
 * driver must offer a directory every instance sees (local disk, NFS, a mounted volume); reads,
 * derived images and deletes go through this interface only.
 */
export interface FileStorage {
  /** The directory tus writes uploads into: `<root>/uploads`, each upload at key `uploads/<id>`. */
  readonly uploadsDir: string;
  stat(key: string): Promise<StoredObject | null>;
  createReadStream(key: string, range?: ByteRange): Readable;
  /** Writes a whole (small) derived object, atomically: readers see the old object or the new one. */
  writeDerived(key: string, data: Buffer): Promise<void>;
  /** Removes the object (or every object under the key's folder); a missing key is fine. */
  delete(key: string): Promise<void>;
  /** Names directly under a folder key (e.g. `uploads`), empty when it does not exist. */
  list(folderKey: string): Promise<string[]>;
}

export const UPLOADS_FOLDER = 'uploads';
const KEY = /^[\w.-]+(\/[\w.-]+)*$/;

export const uploadKeyOf = (fileId: string) => `${UPLOADS_FOLDER}/${fileId}`;
export const derivedFolderOf = (fileId: string) => `derived/${fileId}`;

/** Local disk under `root`. Several instances must mount the same directory. */
export async function createLocalDiskStorage(root: string): Promise<FileStorage> {
  const base = resolve(root);
  const uploadsDir = join(base, UPLOADS_FOLDER);
  await mkdir(uploadsDir, { recursive: true, mode: 0o700 });

  const pathOf = (key: string): string => {
    if (!KEY.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) throw new Error(`invalid storage key: ${key}`);
    const path = join(base, key);
    if (!path.startsWith(base + sep)) throw new Error(`invalid storage key: ${key}`);
    return path;
  };

  return {
    uploadsDir,
    async stat(key) {
      try {
        const info = await stat(pathOf(key));
        return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    createReadStream(key, range) {
      return createReadStream(pathOf(key), range ? { start: range.start, end: range.end } : {});
    },
    async writeDerived(key, data) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, data, { mode: 0o600 });
      await rename(temp, path);
    },
    async delete(key) {
      await rm(pathOf(key), { recursive: true, force: true });
    },
    async list(folderKey) {
      try {
        return await readdir(pathOf(folderKey));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
  };
}
