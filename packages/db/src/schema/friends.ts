import { sql } from 'drizzle-orm';
import { bigint, datetime, index, mysqlEnum, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';
import { users } from './users';

export const friendRequestStatuses = ['pending', 'accepted', 'declined', 'cancelled'] as const;
export type TFriendRequestStatus = (typeof friendRequestStatuses)[number];

export const friendRequests = mysqlTable(
  'friend_requests',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    fromUserId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    toUserId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    message: varchar({ length: 200 }),
    status: mysqlEnum(friendRequestStatuses).notNull().default('pending'),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    respondedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // friends.requests({ direction: 'incoming' }) and the pending check of a pair.
    index('friend_requests_to_idx').on(t.toUserId, t.status, t.id),
    // friends.requests({ direction: 'outgoing' }).
    index('friend_requests_from_idx').on(t.fromUserId, t.status, t.id),
  ],
);

/** A friendship is two rows, one per direction, so "my friends" is one index range. */
export const friendships = mysqlTable(
  'friendships',
  {
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    friendId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [primaryKey({ name: 'friendships_pk', columns: [t.userId, t.friendId] })],
);

export const blocks = mysqlTable(
  'blocks',
  {
    blockerId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    primaryKey({ name: 'blocks_pk', columns: [t.blockerId, t.blockedId] }),
    // "Who blocked me": refusing requests, messages and presence from a blocker's view.
    index('blocks_blocked_idx').on(t.blockedId),
  ],
);

export type TFriendRequestRow = typeof friendRequests.$inferSelect;
