import { sql } from 'drizzle-orm';
import { bigint, datetime, index, json, mysqlEnum, mysqlTable } from 'drizzle-orm/mysql-core';
import { users } from './users';

export const notificationTypes = ['room_invite', 'room_application', 'application_result', 'friend_request', 'friend_accepted', 'mention', 'system'] as const;
export type TNotificationType = (typeof notificationTypes)[number];

/** What a user is told about, stored whether or not they were online to see it live. */
export const notifications = mysqlTable(
  'notifications',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: mysqlEnum(notificationTypes).notNull(),
    payload: json().$type<Record<string, unknown>>().notNull(),
    readAt: datetime({ mode: 'date', fsp: 3 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // notifications.list: a user's notifications newest first, paged by id.
    index('notifications_user_idx').on(t.userId, t.id),
    // notifications.unreadCount and unreadOnly lists.
    index('notifications_user_unread_idx').on(t.userId, t.readAt),
    // The cleanup job: everything older than an age.
    index('notifications_created_idx').on(t.createdAt),
  ],
);

export type TNotificationRow = typeof notifications.$inferSelect;
