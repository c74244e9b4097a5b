import type { TFileRow } from '@chorus/db';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { canReadFile, requireReadableFile } from './access';
import type { FileView, TLinkInput } from './files.schema';
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
