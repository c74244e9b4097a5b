import { drizzleOn, messages, threadFollowers, type ScriptConnection, type TMessageRow } from '@chorus/db';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import type { ConversationEvent } from '../../realtime/events';
import { summaryAfterReply, threadSummaryOf } from './thread-summary';

type RootColumns = Pick<
  TMessageRow,
  'id' | 'conversationId' | 'senderId' | 'threadRootId' | 'deletedAt' | 'threadReplyCount' | 'threadLastReplyAt' | 'threadParticipantIds'
>;
export type ThreadUpdated = Extract<ConversationEvent, { type: 'thread.updated' }>;

/** Why a message cannot take a reply in `conversationId`, or null when it can. */
function rootProblem(root: RootColumns, conversationId: number): AppError | null {
  if (root.conversationId !== conversationId) return new AppError('BAD_INPUT', 'The thread root is in another conversation');
  if (root.threadRootId !== null) return new AppError('BAD_INPUT', 'A thread reply cannot have a thread of its own; reply in its root’s thread');
  if (root.deletedAt !== null) return new AppError('CONFLICT', 'The thread root was deleted');
  return null;
}

/**
 * Checked before a reply is queued, for a clear answer, on a root the sender can read (see
 * requireVisibleMessage): in the same conversation, not a reply, not deleted. The reply's
 * transaction checks again (recordThreadReplies), for a root deleted meanwhile.
 */
export function assertThreadRoot(root: RootColumns, conversationId: number): void {
  const problem = rootProblem(root, conversationId);
  if (problem) throw problem;
}

/**
 * For each thread reply among `rows` (just inserted, in the send batch's transaction on
 * `connection`): checks its root again, advances the root's summary and records who follows.
 * The batch holds its conversations' row locks, so replies to one root are counted one at a time
 * and a root's delete (which takes the same lock to log its event) is seen here or comes after.
 * Returns each row's `thread.updated` event (null for other messages); throws, failing the
 * batch, when a root can no longer take replies.
 */
export async function recordThreadReplies(connection: ScriptConnection, rows: TMessageRow[]): Promise<Array<ThreadUpdated | null>> {
  if (!rows.some((row) => row.threadRootId !== null)) return rows.map(() => null);
  const tx = drizzleOn(connection);
  const updates: Array<ThreadUpdated | null> = [];
  for (const row of rows) updates.push(row.threadRootId === null ? null : await recordReply(tx, row, row.threadRootId));
  return updates;
}

async function recordReply(tx: DbOrTx, reply: TMessageRow, rootId: number): Promise<ThreadUpdated> {
  const [root] = await tx.select().from(messages).where(eq(messages.id, rootId)).limit(1);
  if (!root) throw new AppError('NOT_FOUND', 'No such message');
  const problem = rootProblem(root, reply.conversationId);
  if (problem) throw problem;
  const summary = summaryAfterReply(root, reply.senderId, reply.createdAt);
  await tx.update(messages).set(summary).where(eq(messages.id, rootId));
  await followOnReply(tx, root, reply);
  return { type: 'thread.updated', rootId, thread: threadSummaryOf(summary)! };
}

/**
 * The replier and the users mentioned in the reply follow (again, if they had unfollowed); the
 * root's author follows unless they unfollowed before. The replier has read the thread up to
 * their own reply.
 */
async function followOnReply(tx: DbOrTx, root: RootColumns, reply: TMessageRow): Promise<void> {
  const base = { rootId: root.id, conversationId: root.conversationId, createdAt: reply.createdAt };
  await tx
    .insert(threadFollowers)
    .values({ ...base, userId: reply.senderId, lastReadReplyId: reply.id })
    .onDuplicateKeyUpdate({ set: { following: true, lastReadReplyId: sql`greatest(${threadFollowers.lastReadReplyId}, ${reply.id})` } });
  const mentioned = (reply.mentions ?? []).filter((userId) => userId !== reply.senderId);
  if (mentioned.length > 0) {
    await tx
      .insert(threadFollowers)
      .values(mentioned.map((userId) => ({ ...base, userId })))
      .onDuplicateKeyUpdate({ set: { following: true } });
  }
  if (root.senderId !== reply.senderId && !mentioned.includes(root.senderId)) {
    // A no-op on a duplicate: an author who unfollowed stays unfollowed.
    await tx
      .insert(threadFollowers)
      .values({ ...base, userId: root.senderId })
      .onDuplicateKeyUpdate({ set: { following: sql`${threadFollowers.following}` } });
  }
}
