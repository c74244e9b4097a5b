import { conversations, files, liveConversation, users } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { findFile } from './access';
import { downloadPath, type FileVariant } from './signed-link';
import { newSharp } from './sharp';
import { derivedFolderOf } from './storage';

/** The standard avatar sizes, square; clients pick one by replacing the path's last segment. */
export const AVATAR_SIZES = [64, 128, 256] as const;
const AVATAR_IMAGE = /^image\/(jpeg|png|webp|gif|avif)$/;

/**
 * Makes an uploaded image an avatar: square crops at the standard sizes (WebP, metadata such
 * as EXIF location stripped), public from then on. Returns the path of the largest size.
 * Only the uploader's own finished image will do.
 */
export async function prepareAvatar(deps: Pick<AppDeps, 'db' | 'files'>, userId: number, fileId: string): Promise<string> {
  const file = await findFile(deps.db, fileId);
  if (!file || file.ownerId !== userId) throw new AppError('NOT_FOUND', 'No such file');
  if (file.status !== 'ready' || !file.mimeType) throw new AppError('FILE_NOT_READY', 'The upload has not finished');
  if (!AVATAR_IMAGE.test(file.mimeType)) throw new AppError('UNSUPPORTED_FILE', 'An avatar must be a JPEG, PNG, WebP, GIF or AVIF image');
  const variants = { ...file.variants };
  if (!variants['avatar-256']) {
    for (const size of AVATAR_SIZES) {
      const variant: FileVariant = `avatar-${size}`;
      const data = await squareOf(deps, file.storageKey, size);
      const storageKey = `${derivedFolderOf(file.id)}/${variant}.webp`;
      await deps.files.storage.writeDerived(storageKey, data);
      variants[variant] = { storageKey, width: size, height: size, size: data.length, mimeType: 'image/webp' };
    }
  }
  await deps.db.update(files).set({ variants, isPublic: true }).where(eq(files.id, file.id));
  // Deleted meanwhile (files.delete): the sizes just written would be left behind with no row.
  if (!(await findFile(deps.db, file.id))) {
    await deps.files.storage.delete(derivedFolderOf(file.id));
    throw new AppError('NOT_FOUND', 'No such file');
  }
  return downloadPath(file.id, 'avatar-256');
}

/** Where an avatar made by `prepareAvatar` is still in use. */
export type AvatarUse = { usedBy: 'account' } | { usedBy: 'group' | 'room'; conversationId: number };

/**
 * Where the owner's file is the current avatar, if anywhere: their own account, or a live group
 * or room (only its owner can have made it one, and room settings mirror their conversation's).
 */
export async function avatarUseOf(db: DbOrTx, ownerId: number, fileId: string): Promise<AvatarUse | null> {
  const url = downloadPath(fileId, 'avatar-256');
  const [account] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, ownerId), eq(users.avatarUrl, url)))
    .limit(1);
  if (account) return { usedBy: 'account' };
  // No index on avatar_url: only files once made avatars (public ones) are looked up here.
  const [conversation] = await db
    .select({ id: conversations.id, kind: conversations.kind })
    .from(conversations)
    .where(and(eq(conversations.avatarUrl, url), liveConversation(conversations)))
    .limit(1);
  if (conversation) return { usedBy: conversation.kind === 'room' ? 'room' : 'group', conversationId: conversation.id };
  return null;
}

async function squareOf(deps: Pick<AppDeps, 'files'>, storageKey: string, size: number): Promise<Buffer> {
  const image = await newSharp({ limitInputPixels: 100_000_000 });
  try {
    const [, resized] = await Promise.all([
      pipeline(deps.files.storage.createReadStream(storageKey), image),
      image.autoOrient().resize(size, size, { fit: 'cover', position: 'attention' }).webp({ quality: 82 }).toBuffer(),
    ]);
    return resized;
  } catch {
    throw new AppError('UNSUPPORTED_FILE', 'This image cannot be read');
  }
}
