import { sql } from 'drizzle-orm';
import { bigint, datetime, index, int, json, mysqlEnum, mysqlTable, primaryKey, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { z } from 'zod';
import { exactVarchar } from './exact-varchar';
import type { TLinkPreview } from './link-preview';
import { users } from './users';

/** A room (see rooms.ts) is a conversation too: its chat and its event log are the conversation's. */
export const conversationKinds = ['direct', 'group', 'room'] as const;
export const memberRoles = ['owner', 'admin', 'member'] as const;
export const messageKinds = ['text', 'emoji', 'image', 'file', 'system'] as const;
export type TConversationKind = (typeof conversationKinds)[number];
export type TMemberRole = (typeof memberRoles)[number];
export type TMessageKind = (typeof messageKinds)[number];

/**
 * A message's file as its JSON column holds it and as clients see it: copied from the stored
 * upload when the message is sent (width and height for images only).
 */
export const ZAttachment = z.object({
  fileId: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
  mimeType: z.string().min(1).max(127),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type TAttachment = z.infer<typeof ZAttachment>;

export const conversations = mysqlTable(
  'conversations',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    kind: mysqlEnum(conversationKinds).notNull(),
    /** `<lowId>:<highId>` for direct conversations (one per pair); null for groups. */
    directKey: varchar({ length: 48 }),
    name: varchar({ length: 100 }),
    avatarUrl: varchar({ length: 2048 }),
    /**
     * Position of the conversation's last event. Taken with `last_seq = last_seq + 1` inside
     * the writing transaction: the row lock makes event order equal commit order.
     */
    lastSeq: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    /** The last message of any kind, thread replies included (a room's newcomers see only messages after it). */
    lastMessageId: bigint({ mode: 'number', unsigned: true }),
    /** chat.list orders a user's conversations by this (a user has few enough to sort). */
    lastActivityAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    dissolvedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // chat.openDirect: the one direct conversation of a pair.
    uniqueIndex('conversations_direct_uq').on(t.directKey),
  ],
);

export const conversationMembers = mysqlTable(
  'conversation_members',
  {
    conversationId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: mysqlEnum(memberRoles).notNull().default('member'),
    /** "Read up to here": the last message id this member has read. */
    lastReadMessageId: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    /**
     * The conversation's last message when this member joined. Rooms that hide history from
     * newcomers show a member only the messages after it.
     */
    joinedAfterMessageId: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    joinedAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** This member's push level here; `default` follows their settings for the conversation's kind. */
    notifyLevel: mysqlEnum(['default', 'all', 'mentions', 'none']).notNull().default('default'),
    /** Muted until then (no push, no badge); null: not muted. A far future date mutes for good. */
    mutedUntil: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    primaryKey({ name: 'conversation_members_pk', columns: [t.conversationId, t.userId] }),
    // chat.list and presence audiences: a user's conversations.
    index('conversation_members_user_idx').on(t.userId),
  ],
);

export const messages = mysqlTable(
  'messages',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    conversationId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    senderId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The sender's idempotency key: a retry returns the first message. */
    clientId: exactVarchar({ length: 64 }).notNull(),
    kind: mysqlEnum(messageKinds).notNull(),
    text: text(),
    attachment: json().$type<TAttachment>(),
    replyToId: bigint({ mode: 'number', unsigned: true }),
    /** user ids mentioned with @username. */
    mentions: json().$type<number[]>(),
    editedAt: datetime({ mode: 'date', fsp: 3 }),
    deletedAt: datetime({ mode: 'date', fsp: 3 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** The first link's preview, added in the background after the send (null: none, or not yet). */
    preview: json().$type<TLinkPreview>(),
    /** For a thread reply: its root message (same conversation; a root is never itself a reply). */
    threadRootId: bigint({ mode: 'number', unsigned: true }),
    /**
     * A root's thread summary, kept on the root row by the reply's own transaction (under the
     * conversation's lock), so every read of a message carries it without a join.
     */
    threadReplyCount: int().notNull().default(0),
    threadLastReplyAt: datetime({ mode: 'date', fsp: 3 }),
    /** The latest distinct repliers, most recent first (at most 5). */
    threadParticipantIds: json().$type<number[]>(),
  },
  (t) => [
    // chat.history: newest first within a conversation, paged by id; unread counts.
    index('messages_conversation_idx').on(t.conversationId, t.id),
    // Idempotent sends.
    uniqueIndex('messages_sender_client_uq').on(t.senderId, t.clientId),
    // chat.thread pages a root's replies by id; thread unread counts.
    index('messages_thread_idx').on(t.threadRootId, t.id),
  ],
);

export const messageReactions = mysqlTable(
  'message_reactions',
  {
    messageId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    emoji: exactVarchar({ length: 32 }).notNull(),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [primaryKey({ name: 'message_reactions_pk', columns: [t.messageId, t.userId, t.emoji] })],
);

/** Mentions kept for notifications: who was mentioned where. */
export const messageMentions = mysqlTable(
  'message_mentions',
  {
    messageId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: bigint({ mode: 'number', unsigned: true }).notNull(),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    primaryKey({ name: 'message_mentions_pk', columns: [t.messageId, t.userId] }),
    // A user's mentions, newest first.
    index('message_mentions_user_idx').on(t.userId, t.messageId),
  ],
);

/**
 * The durable, ordered log of everything that happens in a conversation (messages, edits,
 * reactions, reads, membership). Written in the same transaction as the change, with the
 * conversation's next `seq`; a publisher copies it to members' Redis streams in seq order
 * and marks it published, and a sweeper publishes what a crashed process left behind.
 */
export const conversationEvents = mysqlTable(
  'conversation_events',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    conversationId: bigint({ mode: 'number', unsigned: true }).notNull(),
    seq: bigint({ mode: 'number', unsigned: true }).notNull(),
    payload: json().$type<Record<string, unknown>>().notNull(),
    /** Users to add to / remove from the conversation's audience with this event. */
    audience: json().$type<{ add?: number[]; remove?: number[] }>(),
    publishedAt: datetime({ mode: 'date', fsp: 3 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    attempts: int().notNull().default(0),
  },
  (t) => [
    // Publishing in order; the gap fill reads a conversation's events after a seq.
    uniqueIndex('conversation_events_seq_uq').on(t.conversationId, t.seq),
    // The sweeper: events still unpublished.
    index('conversation_events_unpublished_idx').on(t.publishedAt, t.id),
  ],
);

export type TConversationRow = typeof conversations.$inferSelect;
export type TConversationMemberRow = typeof conversationMembers.$inferSelect;
export type TMessageRow = typeof messages.$inferSelect;
export type TConversationEventRow = typeof conversationEvents.$inferSelect;
