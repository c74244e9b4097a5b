import { files } from '@chorus/db';
import { and, eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';

/**
 * Moves `files.receivedBytes` forward (never back) while the upload is in progress, so
 * `files.get` shows progress to the owner and to anyone the file was shared with. Given no
 * offset, the stored size is the truth (after a PATCH ended, completely or not).
 */
export async function recordProgress(deps: Pick<AppDeps, 'db' | 'files'>, fileId: string, offset?: number): Promise<void> {
  const received = offset ?? (await deps.files.storage.uploadedBytes(fileId));
  if (received === undefined || received === null) return;
  await deps.db
    .update(files)
    .set({ receivedBytes: sql`greatest(${files.receivedBytes}, ${received})` })
    .where(and(eq(files.id, fileId), eq(files.status, 'uploading')));
}
