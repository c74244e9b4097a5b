import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileStore } from '@tus/file-store';
import { assertKey, UPLOAD_ID, UPLOADS_FOLDER, type FileStorage, type StoredUpload } from './storage';

/**
 * Local disk under `root`. Several instances must mount the same directory. tus's FileStore
 * writes upload `<id>` to `<root>/uploads/<id>`, its declared length and metadata beside it in
 * `<id>.json`.
 */
export async function createLocalDiskStorage(root: string): Promise<FileStorage> {
  const base = resolve(root);
  const uploadsDir = join(base, UPLOADS_FOLDER);
  await mkdir(uploadsDir, { recursive: true, mode: 0o700 });

  const pathOf = (key: string): string => {
    const path = join(base, assertKey(key));
    if (!path.startsWith(base + sep)) throw new Error(`invalid storage key: ${key}`);
    return path;
  };
  const statFile = async (path: string) => {
    try {
      const info = await stat(path);
      return info.isFile() ? info : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };
  const names = async (path: string) => {
    try {
      return await readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };

  return {
    driver: 'local',
    uploadsDir,
    uploadStore: new FileStore({ directory: uploadsDir }),
    async stat(key) {
      const info = await statFile(pathOf(key));
      return info ? { size: info.size, modifiedAt: info.mtime } : null;
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
    list: (folderKey) => names(pathOf(folderKey)),
    async uploadedBytes(fileId) {
      return (await statFile(join(uploadsDir, assertKey(fileId))))?.size ?? null;
    },
    async listUploads() {
      const found = new Map<string, StoredUpload>();
      for (const name of await names(uploadsDir)) {
        const id = name.replace(/\.json$/, '');
        const info = UPLOAD_ID.test(id) ? await statFile(join(uploadsDir, name)) : null;
        const seen = found.get(id);
        if (info && (!seen || seen.modifiedAt < info.mtime)) found.set(id, { id, modifiedAt: info.mtime });
      }
      return [...found.values()];
    },
    async deleteUpload(fileId) {
      // The bytes go last: if a step fails, the orphan sweep still finds the upload.
      await rm(join(uploadsDir, `${assertKey(fileId)}.json`), { force: true });
      await rm(join(uploadsDir, fileId), { force: true });
    },
    async close() {},
  };
}
