import { files } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';

/**
 * Moves `files.receivedBytes` forward (never back) while the upload is in progress, so
 * `files.get` shows progress to the owner and to anyone the file was shared with. Given no
 * offset, the stored size is the truth (after a PATCH ended, completely or not).
 *
 * The bytes it moves forward are counted in `chorus_upload_bytes_total`: the column is the one
 * mark shared by every instance, and a resumed upload starts again from the stored offset, which
 * is at most the mark, so bytes sent again after an interruption are never counted twice. The
 * row is locked from read to write so that two instances (or a PATCH's last progress and its
 * end) never count the same bytes.
 */
export async function recordProgress(deps: Pick<AppDeps, 'db' | 'files' | 'metrics'>, fileId: string, offset?: number): Promise<void> {
  const received = offset ?? (await deps.files.storage.uploadedBytes(fileId));
  if (received === undefined || received === null) return;
  const advanced = await deps.db.transaction(async (tx) => {
    const uploading = and(eq(files.id, fileId), eq(files.status, 'uploading'));
    const [row] = await tx.select({ receivedBytes: files.receivedBytes }).from(files).where(uploading).for('update');
    if (!row || row.receivedBytes >= received) return 0;
    await tx.update(files).set({ receivedBytes: received }).where(uploading);
    return received - row.receivedBytes;
  });
  if (advanced > 0) deps.metrics.uploadReceived(advanced);
}
