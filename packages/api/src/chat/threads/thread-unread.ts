import { messages, threadFollowers } from '@chorus/db';
import { and, count, eq, gt, inArray, isNull, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';

export type ThreadUnread = { threads: number; replies: number };
export const NO_THREAD_UNREAD: ThreadUnread = { threads: 0, replies: 0 };

/**
 * Per conversation: the threads `userId` follows there that have replies by others after the
 * user's thread read marker (deleted replies do not count), and how many such replies. One
 * query for a page of conversations, on thread_followers_user_idx and messages_thread_idx.
 */
export async function threadUnreadByConversation(db: DbOrTx, userId: number, conversationIds: number[]): Promise<Map<number, ThreadUnread>> {
  const byConversation = new Map<number, ThreadUnread>();
  if (conversationIds.length === 0) return byConversation;
  const rows = await db
    .select({ conversationId: threadFollowers.conversationId, unread: count(messages.id) })
    .from(threadFollowers)
    .innerJoin(
      messages,
      and(
        eq(messages.threadRootId, threadFollowers.rootId),
        gt(messages.id, threadFollowers.lastReadReplyId),
        ne(messages.senderId, userId),
        isNull(messages.deletedAt),
      ),
    )
    .where(and(eq(threadFollowers.userId, userId), inArray(threadFollowers.conversationId, conversationIds), eq(threadFollowers.following, true)))
    .groupBy(threadFollowers.conversationId, threadFollowers.rootId);
  for (const row of rows) {
    const sum = byConversation.get(row.conversationId) ?? { threads: 0, replies: 0 };
    byConversation.set(row.conversationId, { threads: sum.threads + 1, replies: sum.replies + Number(row.unread) });
  }
  return byConversation;
}
