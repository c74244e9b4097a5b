import { files, type TFileRow } from '@chorus/db';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { canReadFile, requireReadableFile } from './access';
import { avatarUseOf } from './avatars';
import { removeStoredFile } from './cleanup.job';
import type { FilePage, FileView, TFileRef, TLinkInput, TListFilesInput } from './files.schema';
import { isAvatarVariant, signedDownloadPath } from './signed-link';

function fileView(file: TFileRow): FileView {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    receivedBytes: file.status === 'ready' ? file.size : file.receivedBytes,
    status: file.status,
    mimeType: file.mimeType,
    width: file.width,
    height: file.height,
    ownerId: file.ownerId,
    createdAt: file.createdAt,
    completedAt: file.completedAt,
    hasThumbnail: Boolean(file.variants?.thumbnail),
  };
}

/** Metadata for the owner and anyone allowed to download the file; NOT_FOUND for everyone else. */
export async function getFile(deps: Pick<AppDeps, 'db'>, userId: number, fileId: string): Promise<FileView> {
  return fileView(await requireReadableFile(deps.db, userId, fileId));
}

/** A short-lived URL that downloads the file (or its thumbnail) without headers: for media players. */
export async function linkFile(deps: Pick<AppDeps, 'db' | 'files' | 'clock'>, userId: number, input: TLinkInput): Promise<{ url: string; expiresAt: Date }> {
  const file = await requireReadableFile(deps.db, userId, input.fileId);
  if (file.status !== 'ready') throw new AppError('FILE_NOT_READY', 'The upload has not finished yet');
  const variant = input.variant ?? null;
  // An avatar's metadata is public, its original is not.
  if (!isAvatarVariant(variant) && !(await canReadFile(deps.db, userId, file))) throw new AppError('NOT_FOUND', 'No such file');
  if (variant && !file.variants?.[variant]) throw new AppError('NOT_FOUND', `This file has no ${variant}`);
  // Whole seconds, rounded down: the link never outlives the configured lifetime.
  const expiresAt = new Date(Math.floor((deps.clock.now().getTime() + deps.files.settings.linkTtlSeconds * 1000) / 1000) * 1000);
  return { url: signedDownloadPath(deps.files.linkKey, file.id, variant, expiresAt), expiresAt };
}

/** The caller's finished uploads, newest first; `nextCursor` is `<createdAt ms>_<id>` of the page's last. */
export async function listFiles(deps: Pick<AppDeps, 'db'>, userId: number, input: TListFilesInput): Promise<FilePage> {
  const cursor = decodeCursor(input.cursor);
  const rows = await deps.db
    .select()
    .from(files)
    .where(
      and(
        eq(files.ownerId, userId),
        eq(files.status, 'ready'),
        cursor ? or(lt(files.createdAt, cursor.at), and(eq(files.createdAt, cursor.at), lt(files.id, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(files.createdAt), desc(files.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const tail = page.at(-1);
  return { items: page.map(fileView), nextCursor: rows.length > input.limit && tail ? `${tail.createdAt.getTime()}_${tail.id}` : null };
}

function decodeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  const match = cursor ? /^(\d{1,15})_([\w-]{1,32})$/.exec(cursor) : null;
  return match ? { at: new Date(Number(match[1])), id: match[2]! } : null;
}

/**
 * Deletes one of the caller's finished files: the row (its quota is free at once, shares go with
 * it, messages keep their metadata but downloads answer 404), then the bytes and derived images.
 * A file that is a current avatar is refused with FILE_IN_USE: change that avatar first.
 * Unfinished uploads are cancelled through tus (`DELETE /files/:id`).
 */
export async function deleteFile(deps: Pick<AppDeps, 'db' | 'files' | 'logger'>, userId: number, input: TFileRef): Promise<{ ok: true }> {
  await deps.db.transaction(async (tx) => {
    // Locked, so a concurrent delete or avatar change waits for this one.
    const [file] = await tx
      .select()
      .from(files)
      .where(and(eq(files.id, input.fileId), eq(files.ownerId, userId)))
      .for('update');
    if (!file) throw new AppError('NOT_FOUND', 'No such file');
    if (file.status !== 'ready') throw new AppError('FILE_NOT_READY', 'The upload has not finished: cancel it with DELETE /files/:id instead');
    const use = file.isPublic ? await avatarUseOf(tx, userId, file.id) : null;
    if (use)
      throw new AppError(
        'FILE_IN_USE',
        `This image is ${use.usedBy === 'account' ? 'your avatar' : `the avatar of a ${use.usedBy}`}: change that avatar first`,
        { details: { ...use } },
      );
    await tx.delete(files).where(eq(files.id, file.id));
  });
  // The row is gone, so the file is gone for everyone; bytes left by a failure here are removed by the cleanup job.
  await removeStoredFile(deps.files.storage, input.fileId).catch((error: unknown) =>
    deps.logger.warn({ err: error, fileId: input.fileId }, 'deleted file not removed from storage'),
  );
  return { ok: true };
}
