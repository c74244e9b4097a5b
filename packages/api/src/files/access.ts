import { conversationMembers, conversations, files, fileShares, liveConversation, rooms, type TFileRow } from '@chorus/db';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';

/** Syntactically possible file ids (ours are 24 url-safe characters); anything else is unknown. */
export const FILE_ID = /^[\w-]{1,32}$/;

export async function findFile(db: DbOrTx, fileId: string): Promise<TFileRow | null> {
  if (!FILE_ID.test(fileId)) return null;
  const [row] = await db.select().from(files).where(eq(files.id, fileId)).limit(1);
  return row ?? null;
}

/**
 * Who may read a file: its owner and members of a live conversation or room it was sent to.
 * In a room that hides its history from newcomers, a member needs the file to have been sent
 * in a message they can see (after the one they joined after; see `visibleAfter` in chat).
 * (An avatar's sizes are public, and anyone may see its metadata; its original is not.)
 */
export async function canReadFile(db: DbOrTx, userId: number, file: Pick<TFileRow, 'id' | 'ownerId' | 'isPublic'>): Promise<boolean> {
  if (file.ownerId === userId) return true;
  const [share] = await db
    .select({ conversationId: fileShares.conversationId })
    .from(fileShares)
    .innerJoin(conversationMembers, and(eq(conversationMembers.conversationId, fileShares.conversationId), eq(conversationMembers.userId, userId)))
    .innerJoin(conversations, eq(conversations.id, fileShares.conversationId))
    // Only rooms have a row here, so a direct chat or a group shows its whole history.
    .leftJoin(rooms, eq(rooms.id, fileShares.conversationId))
    .where(
      and(
        eq(fileShares.fileId, file.id),
        liveConversation(conversations),
        or(
          isNull(rooms.id),
          eq(rooms.historyVisible, true),
          eq(conversationMembers.joinedAfterMessageId, 0),
          gt(fileShares.lastMessageId, conversationMembers.joinedAfterMessageId),
        ),
      ),
    )
    .limit(1);
  return share !== undefined;
}

/** The file if the user may read it; unknown and forbidden look the same (NOT_FOUND), so ids reveal nothing. */
export async function requireReadableFile(db: DbOrTx, userId: number, fileId: string): Promise<TFileRow> {
  const file = await findFile(db, fileId);
  if (!file || !(file.isPublic || (await canReadFile(db, userId, file)))) throw new AppError('NOT_FOUND', 'No such file');
  return file;
}
