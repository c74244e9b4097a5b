import { files, users } from '@chorus/db';
import { eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { consumeOrThrow } from '../auth/rate-limits';
import { AppError, type AppErrorCode } from '../errors';
import { sanitizeFileName } from './file-names';
import { uploadKeyOf } from './storage';

/**
 * A hook's refusal of a request. tus answers an error that has a `status_code` with that status
 * and its `body`, here JSON naming the app code.
 */
export class TusRefusal extends Error {
  readonly status_code: number;
  readonly body: string;

  constructor(status: number, appCode: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'TusRefusal';
    this.status_code = status;
    this.body = JSON.stringify({ error: message, appCode, ...(details ? { details } : {}) });
  }
}

export function tusRefusal(status: number, appCode: AppErrorCode, message: string, details?: Record<string, unknown>): TusRefusal {
  return new TusRefusal(status, appCode, message, details);
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export interface NewUpload {
  id: string;
  /** Undefined when the client deferred the length: refused, the quota needs it up front. */
  size: number | undefined;
  metadata: Record<string, string | null> | undefined;
}

/**
 * Admits a new upload before any byte is stored: its length must be declared, within the
 * per-file limit and within the owner's quota (every file they have, uploads in progress at
 * their declared size, plus this one). The quota check and the insert hold a lock on the
 * owner's row, so parallel uploads cannot slip past it together.
 */
export async function admitUpload(deps: Pick<AppDeps, 'db' | 'files' | 'limiters'>, ownerId: number, upload: NewUpload): Promise<void> {
  const { maxFileBytes, quotaBytes } = deps.files.settings;
  if (upload.size === undefined) throw tusRefusal(400, 'BAD_INPUT', 'Declare the file size with Upload-Length (deferred lengths are not accepted)');
  if (upload.size > maxFileBytes) {
    throw tusRefusal(413, 'FILE_TOO_LARGE', `The file is larger than the limit of ${formatBytes(maxFileBytes)}`, { maxFileBytes });
  }
  await consumeOrThrow(deps.limiters.fileUploadsPerUser, String(ownerId)).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'RATE_LIMITED') throw tusRefusal(429, 'RATE_LIMITED', error.message, { retryAfter: error.retryAfter });
    throw error;
  });
  await deps.db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, ownerId)).for('update');
    const [usage] = await tx
      .select({ used: sql<string | number | null>`coalesce(sum(${files.size}), 0)` })
      .from(files)
      .where(eq(files.ownerId, ownerId));
    const used = Number(usage?.used ?? 0);
    if (used + upload.size! > quotaBytes) {
      throw tusRefusal(413, 'QUOTA_EXCEEDED', `This upload would exceed your storage quota of ${formatBytes(quotaBytes)} (${formatBytes(used)} used)`, {
        quotaBytes,
        usedBytes: used,
      });
    }
    await tx.insert(files).values({
      id: upload.id,
      ownerId,
      name: sanitizeFileName(upload.metadata?.filename ?? upload.metadata?.name),
      size: upload.size!,
      storageKey: uploadKeyOf(upload.id),
    });
  });
}
