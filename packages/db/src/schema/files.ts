import { sql } from 'drizzle-orm';
import { bigint, boolean, datetime, index, int, json, mysqlEnum, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';
import { conversations } from './chat';
import { users } from './users';

export const fileStatuses = ['uploading', 'ready'] as const;

/**
 * A file uploaded through tus. Its id is random and unguessable, yet every download is
 * still authorized (owner, members of a conversation it was sent to, anyone for avatars).
 */
export const files = mysqlTable(
  'files',
  {
    id: varchar({ length: 32 }).primaryKey(),
    ownerId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The client's file name (shown, and used in Content-Disposition). */
    name: varchar({ length: 255 }).notNull(),
    /** Declared size while uploading (counts against the quota), then the stored size. */
    size: bigint({ mode: 'number', unsigned: true }).notNull(),
    receivedBytes: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    /** Sniffed from the content once complete; never the client's claim. */
    mimeType: varchar({ length: 127 }),
    width: int(),
    height: int(),
    sha256: varchar({ length: 64 }),
    status: mysqlEnum(fileStatuses).notNull().default('uploading'),
    /** Where the storage driver keeps the bytes (and derived images: thumbnail, avatar sizes). */
    storageKey: varchar({ length: 255 }).notNull(),
    variants: json().$type<Record<string, { storageKey: string; width: number; height: number; size: number; mimeType: string }>>(),
    /** Avatars (of users, rooms, groups) are readable by anyone. */
    isPublic: boolean().notNull().default(false),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    completedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // The quota: a user's files (sizes summed), and their listing.
    index('files_owner_idx').on(t.ownerId, t.createdAt),
    // The cleanup job: abandoned uploads.
    index('files_status_idx').on(t.status, t.createdAt),
  ],
);

/**
 * Conversations (and rooms) a file was sent to: their members may download it, except that a
 * newcomer to a room hiding its history needs a share from a message they can see.
 */
export const fileShares = mysqlTable(
  'file_shares',
  {
    fileId: varchar({ length: 32 })
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    conversationId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /**
     * The newest message that sent the file to the conversation (0: unknown). Compared with a
     * member's `joinedAfterMessageId` where the room hides its history.
     */
    lastMessageId: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [primaryKey({ name: 'file_shares_pk', columns: [t.fileId, t.conversationId] })],
);

export type TFileRow = typeof files.$inferSelect;
