import { randomUUID } from 'node:crypto';
import { files } from '@chorus/db';
import { and, eq, inArray, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { derivedFolderOf, type FileStorage } from './storage';

type CleanupDeps = Pick<AppDeps, 'db' | 'redis' | 'clock' | 'logger' | 'files'>;

export interface FileCleanupConfig {
  /** One run per period, across all instances. */
  everyMs: number;
  /** Rows examined per batch. */
  batchSize: number;
}

export const defaultFileCleanup: FileCleanupConfig = { everyMs: 3600 * 1000, batchSize: 200 };

/**
 * Derived images, then the upload (bytes, tus's bookkeeping, an unfinished multipart upload);
 * missing ones are fine. The upload goes last: if a step fails, the orphan sweep still finds it
 * and finishes the job.
 */
export async function removeStoredFile(storage: FileStorage, fileId: string): Promise<void> {
  await storage.delete(derivedFolderOf(fileId));
  await storage.deleteUpload(fileId);
}

/**
 * Removes one file's stored bytes for the cleanup; a failure is logged and the run goes on with
 * the next file. What is left is an upload without a row, which the orphan sweep retries (in this
 * run and the next ones) until it is gone.
 */
async function removeQuietly(deps: CleanupDeps, fileId: string): Promise<boolean> {
  try {
    await removeStoredFile(deps.files.storage, fileId);
    return true;
  } catch (error) {
    deps.logger.warn({ job: 'file-cleanup', fileId, err: error }, 'could not remove a stored file; the next run retries');
    return false;
  }
}

/**
 * Deletes uploads left unfinished for longer than `files.settings.abandonedMs`: the row first
 * (the upload is gone for everyone at once), then its bytes. Also removes stored uploads that
 * have no row any more (their owner was deleted, a run died between the two steps, or the
 * storage refused a removal). One file that cannot be removed never stops the others'.
 * A Redis key per period (SET NX) elects one instance, however many race for it.
 * Returns the number of uploads deleted, or null when another instance has the period.
 */
export async function runFileCleanupIfDue(deps: CleanupDeps, config: FileCleanupConfig = defaultFileCleanup): Promise<number | null> {
  const now = deps.clock.now().getTime();
  const period = Math.floor(now / config.everyMs);
  const claimed = await deps.redis.set(`chorus:{job}:file-cleanup:${period}`, randomUUID(), 'PX', config.everyMs * 2, 'NX');
  if (claimed !== 'OK') return null;
  const before = new Date(now - deps.files.settings.abandonedMs);
  let deleted = 0;
  for (;;) {
    const stale = await deps.db
      .select({ id: files.id })
      .from(files)
      .where(and(eq(files.status, 'uploading'), lt(files.createdAt, before)))
      .limit(config.batchSize);
    for (const { id } of stale) {
      const [result] = await deps.db.delete(files).where(and(eq(files.id, id), eq(files.status, 'uploading')));
      if (result.affectedRows === 0) continue;
      deleted++;
      await removeQuietly(deps, id);
    }
    if (stale.length < config.batchSize) break;
  }
  const orphans = await removeOrphans(deps, before);
  deps.logger.info({ job: 'file-cleanup', deleted, orphans, before }, 'file cleanup done');
  return deleted;
}

/**
 * Stored uploads untouched since `before` whose row is gone, finished or not (on S3 this aborts
 * multipart uploads nobody will complete, whose parts would otherwise be kept and billed).
 */
async function removeOrphans(deps: CleanupDeps, before: Date): Promise<number> {
  const { storage } = deps.files;
  const stale = (await storage.listUploads()).filter((upload) => upload.modifiedAt < before).map((upload) => upload.id);
  let removed = 0;
  for (let i = 0; i < stale.length; i += 500) {
    const batch = stale.slice(i, i + 500);
    const known = new Set((await deps.db.select({ id: files.id }).from(files).where(inArray(files.id, batch))).map((row) => row.id));
    for (const id of batch.filter((candidate) => !known.has(candidate))) if (await removeQuietly(deps, id)) removed++;
  }
  return removed;
}

/** Checks every minute whether this period's cleanup is still to run. */
export function startFileCleanup(deps: CleanupDeps, config: FileCleanupConfig = defaultFileCleanup) {
  const tick = () => void runFileCleanupIfDue(deps, config).catch((error: unknown) => deps.logger.warn({ err: error }, 'file cleanup failed'));
  const timer = setInterval(tick, Math.min(60_000, config.everyMs)).unref();
  tick();
  return { stop: () => clearInterval(timer) };
}
