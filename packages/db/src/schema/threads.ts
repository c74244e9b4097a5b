import { sql } from 'drizzle-orm';
import { bigint, boolean, datetime, index, mysqlTable, primaryKey } from 'drizzle-orm/mysql-core';
import { messages } from './chat';
import { users } from './users';

/**
 * Who follows a thread and how far they have read it. A row stays after `unfollowThread`
 * (following = false) so that the root's author, once they unfollow, is not followed again by
 * the next reply; replying or being mentioned in a reply follows again.
 */
export const threadFollowers = mysqlTable(
  'thread_followers',
  {
    rootId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /**
     * The root's conversation, for chat.list's per-conversation counts. No foreign key: its
     * check would lock the conversation row after the root's, the reverse of a reply's order.
     */
    conversationId: bigint({ mode: 'number', unsigned: true }).notNull(),
    following: boolean().notNull().default(true),
    /** "Read up to here" within the thread: the last reply id this user has read. */
    lastReadReplyId: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    primaryKey({ name: 'thread_followers_pk', columns: [t.rootId, t.userId] }),
    // chat.list: a user's followed threads in a page of conversations.
    index('thread_followers_user_idx').on(t.userId, t.conversationId),
  ],
);

export type TThreadFollowerRow = typeof threadFollowers.$inferSelect;
