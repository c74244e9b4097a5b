import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  datetime,
  index,
  int,
  json,
  mediumtext,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';
import { exactVarchar } from './exact-varchar';
import { users } from './users';

export interface TAiParams {
  temperature?: number;
  maxTokens?: number;
  systemPrompt?: string;
  /** The model for images.generate when it differs from the chat model. */
  imageModel?: string;
  /** Tokens the model accepts in one request; default by model name. */
  contextTokens?: number;
}

/** A user's OpenAI-compatible provider. The API key is stored only sealed (AES-256-GCM). */
export const aiConfigs = mysqlTable(
  'ai_configs',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: varchar({ length: 100 }).notNull(),
    baseUrl: varchar({ length: 2048 }).notNull(),
    model: varchar({ length: 200 }).notNull(),
    /** base64 of iv | tag | ciphertext, bound to the owner; never returned. */
    apiKeySealed: text().notNull(),
    /** Which server key sealed it, so keys can be rotated. */
    apiKeyVersion: int().notNull(),
    /** Shown to the owner so they recognise the key. */
    apiKeyLast4: varchar({ length: 4 }).notNull(),
    params: json().$type<TAiParams>().notNull(),
    isDefault: boolean().notNull().default(false),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // ai.configs.list and default provider lookup: a user's configs.
    index('ai_configs_user_idx').on(t.userId, t.id),
    // keys:rotate: rows still sealed under an older key.
    index('ai_configs_key_version_idx').on(t.apiKeyVersion),
  ],
);

export const aiConversations = mysqlTable(
  'ai_conversations',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: varchar({ length: 200 }),
    /** A title the user chose is never replaced by a generated one. */
    titleByUser: boolean().notNull().default(false),
    /** The provider: one of the user's configs, or a system provider by its id (one or neither). */
    configId: bigint({ mode: 'number', unsigned: true }).references(() => aiConfigs.id, { onDelete: 'set null' }),
    systemProviderId: varchar({ length: 64 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    lastActivityAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // ai.conversations.list: a user's conversations by last activity.
    index('ai_conversations_user_activity_idx').on(t.userId, t.lastActivityAt),
  ],
);

export const aiMessageRoles = ['user', 'assistant'] as const;
export const aiMessageStatuses = ['streaming', 'complete', 'stopped', 'failed'] as const;
export type TAiMessageStatus = (typeof aiMessageStatuses)[number];

export const aiMessages = mysqlTable(
  'ai_messages',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    conversationId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => aiConversations.id, { onDelete: 'cascade' }),
    role: mysqlEnum(aiMessageRoles).notNull(),
    content: mediumtext().notNull(),
    status: mysqlEnum(aiMessageStatuses).notNull(),
    /** Typed failure of an assistant message (provider_auth, rate_limited, timeout, upstream, interrupted). */
    errorCode: varchar({ length: 32 }),
    /** The user's idempotency key on user messages. */
    clientId: exactVarchar({ length: 64 }),
    /** On an assistant message: the user message it answers. */
    replyToId: bigint({ mode: 'number', unsigned: true }),
    model: varchar({ length: 200 }),
    promptTokens: int(),
    completionTokens: int(),
    finishReason: varchar({ length: 32 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    completedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // ai.conversations.messages: newest first, paged by id; context building.
    index('ai_messages_conversation_idx').on(t.conversationId, t.id),
    // Idempotent ai.chat.send (NULLs, on assistant messages, do not collide).
    uniqueIndex('ai_messages_client_uq').on(t.conversationId, t.clientId),
    // The sweeper: generations left streaming by a stopped process.
    index('ai_messages_status_idx').on(t.status, t.createdAt),
  ],
);

/** Tokens used per user per day; kept when conversations are reset or deleted. */
export const aiUsageDaily = mysqlTable(
  'ai_usage_daily',
  {
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date({ mode: 'string' }).notNull(),
    requests: int().notNull().default(0),
    promptTokens: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
    completionTokens: bigint({ mode: 'number', unsigned: true }).notNull().default(0),
  },
  (t) => [primaryKey({ name: 'ai_usage_daily_pk', columns: [t.userId, t.day] })],
);

const mediumBlob = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'mediumblob' });

/** Generated images, kept until their owner's account goes (up to 16 MiB each). */
export const aiImages = mysqlTable(
  'ai_images',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    prompt: text().notNull(),
    size: varchar({ length: 16 }).notNull(),
    model: varchar({ length: 200 }).notNull(),
    mimeType: varchar({ length: 64 }).notNull(),
    bytes: mediumBlob().notNull(),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // The owner's images, newest first.
    index('ai_images_user_idx').on(t.userId, t.id),
  ],
);

export type TAiConfigRow = typeof aiConfigs.$inferSelect;
export type TAiConversationRow = typeof aiConversations.$inferSelect;
export type TAiMessageRow = typeof aiMessages.$inferSelect;
