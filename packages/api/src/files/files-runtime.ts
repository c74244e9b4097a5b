import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import { createLocalDiskStorage } from './local-storage';
import type { S3Settings } from './s3-storage';
import type { FileStorage } from './storage';
import { UploadLocker } from './upload-locker';

export interface FilesSettings {
  /** Largest single file, refused when its upload is created (declared length). */
  maxFileBytes: number;
  /** A user's files and uploads in progress (declared sizes) may not add up to more. */
  quotaBytes: number;
  /** Lifetime of a `files.link` URL. */
  linkTtlSeconds: number;
  /** Uploads unfinished for this long are deleted by the cleanup job. */
  abandonedMs: number;
}

export const GiB = 1024 ** 3;

export const defaultFilesSettings: FilesSettings = {
  maxFileBytes: 2 * GiB,
  quotaBytes: 10 * GiB,
  linkTtlSeconds: 600,
  abandonedMs: 24 * 3600 * 1000,
};

/**
 * Where files go: a given `storage` (owned by the caller), an S3 bucket (`s3`), a local `dir`,
 * or else a fresh temporary directory removed on close (tests, benches). Without `linkSecret`,
 * links are signed with a per-process random key, so several instances must be given the same
 * secret.
 */
export type FilesOptions = Partial<FilesSettings> & { dir?: string; s3?: S3Settings; storage?: FileStorage; linkSecret?: string | Buffer };

/** The files domain's process-wide parts, built once with the other deps. */
export interface FilesRuntime {
  settings: FilesSettings;
  storage: FileStorage;
  /** HMAC key of signed download links. */
  linkKey: Buffer;
  /** tus's per-upload locks, shared by every instance through Redis. */
  locker: UploadLocker;
  /** Bookkeeping running after a response was sent (progress updates), awaited on close. */
  tasks: Set<Promise<unknown>>;
  close(): Promise<void>;
}

export async function createFilesRuntime(redis: RedisClient, logger: Logger, options: FilesOptions = {}): Promise<FilesRuntime> {
  const { dir, s3, storage: givenStorage, linkSecret, ...overrides } = options;
  const settings: FilesSettings = { ...defaultFilesSettings, ...overrides };
  const temporaryDir = givenStorage || s3 || dir ? null : await mkdtemp(join(tmpdir(), 'chorus-files-'));
  const storage = givenStorage ?? (s3 ? await (await import('./s3-storage')).createS3Storage(s3, logger) : await createLocalDiskStorage(dir ?? temporaryDir!));
  const tasks = new Set<Promise<unknown>>();
  const locker = await UploadLocker.start(redis, logger);
  return {
    settings,
    storage,
    linkKey: linkSecret === undefined ? randomBytes(32) : Buffer.from(linkSecret),
    locker,
    tasks,
    async close() {
      await Promise.allSettled([...tasks]);
      locker.close();
      if (!givenStorage) await storage.close();
      if (temporaryDir)
        await rm(temporaryDir, { recursive: true, force: true }).catch((error: unknown) => logger.warn({ err: error }, 'temporary files dir not removed'));
    },
  };
}

/** Runs `work` after the response, tracked so shutdown can wait for it; failures are logged. */
export function runFilesTask(runtime: FilesRuntime, logger: Logger, work: () => Promise<unknown>): void {
  const task = work()
    .catch((error: unknown) => logger.warn({ err: error }, 'files background task failed'))
    .finally(() => runtime.tasks.delete(task));
  runtime.tasks.add(task);
}
