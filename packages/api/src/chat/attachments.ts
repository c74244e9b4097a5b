import { fileShares, files, type TAttachment } from '@chorus/db';
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';

/** Image types a chat shows inline; SVG is excluded (it can carry script). */
const INLINE_IMAGE = /^image\/(jpeg|png|webp|gif|avif)$/;

/**
 * The metadata a message carries for an attachment, from the stored file (never from the
 * client): the sender's own, fully uploaded file; an `image` message needs a real image.
 */
export async function resolveAttachment(db: DbOrTx, userId: number, kind: 'image' | 'file', fileId: string): Promise<TAttachment> {
  const [file] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.ownerId, userId)))
    .limit(1);
  if (!file) throw new AppError('NOT_FOUND', 'No such file');
  if (file.status !== 'ready' || !file.mimeType) throw new AppError('FILE_NOT_READY', 'The upload has not finished');
  if (kind === 'image' && !INLINE_IMAGE.test(file.mimeType)) throw new AppError('UNSUPPORTED_FILE', 'This file is not an image; send it as a file');
  return {
    fileId: file.id,
    name: file.name,
    size: file.size,
    mimeType: file.mimeType,
    ...(file.width && file.height ? { width: file.width, height: file.height } : {}),
  };
}

/**
 * Members of the conversation may download the file from now on (in a room hiding its history,
 * those who can see this message or a later one sending the file).
 */
export async function shareFile(tx: DbOrTx, fileId: string, conversationId: number, messageId: number, at: Date): Promise<void> {
  await tx
    .insert(fileShares)
    .values({ fileId, conversationId, lastMessageId: messageId, createdAt: at })
    .onDuplicateKeyUpdate({ set: { lastMessageId: sql`greatest(${fileShares.lastMessageId}, ${messageId})` } });
}
