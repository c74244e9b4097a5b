import { sql } from 'drizzle-orm';
import { bigint, boolean, char, datetime, index, int, json, mysqlEnum, mysqlTable, smallint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { sessions } from './sessions';
import { users } from './users';

export const pushDeviceKinds = ['webpush', 'fcm', 'apns'] as const;
export type TPushDeviceKind = (typeof pushDeviceKinds)[number];

/**
 * A phone or browser that can be pushed to. Tied to the session that registered it: the
 * foreign key removes it when the session ends (logout, revocation, expiry sweep).
 */
export const pushDevices = mysqlTable(
  'push_devices',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sessionId: char({ length: 24 })
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    kind: mysqlEnum(pushDeviceKinds).notNull(),
    /** Hex SHA-256 of kind + endpoint or token: one row per push address, whoever registers it last owns it. */
    fingerprint: char({ length: 64 }).notNull(),
    /** Web Push: the push service URL and the subscription's keys (base64url). */
    endpoint: varchar({ length: 2048 }),
    p256dh: varchar({ length: 128 }),
    auth: varchar({ length: 64 }),
    /** FCM registration token or APNs device token. */
    token: varchar({ length: 4096 }),
    /** APNs: the app's bundle id (the `apns-topic` header). */
    topic: varchar({ length: 255 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex('push_devices_fingerprint_uq').on(t.fingerprint), index('push_devices_user_idx').on(t.userId)],
);

export type TPushDeviceRow = typeof pushDevices.$inferSelect;

export const pushJobKinds = ['message', 'notification', 'call'] as const;
export type TPushJobKind = (typeof pushJobKinds)[number];

/**
 * Causes of pushes that are not yet expanded into deliveries: written in the same transaction
 * as the message, notification or call they name, so a crash after the commit loses nothing;
 * a worker decides who is pushed (after the commit, when presence and preferences are known),
 * writes `push_outbox` rows and deletes the job in one transaction.
 */
export const pushJobs = mysqlTable(
  'push_jobs',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    kind: mysqlEnum(pushJobKinds).notNull(),
    /** A message id, notification id or call id, by kind. */
    refId: bigint({ mode: 'number', unsigned: true }).notNull(),
    lockedUntil: datetime({ mode: 'date', fsp: 3 }),
    attempts: smallint({ unsigned: true }).notNull().default(0),
  },
  (t) => [index('push_jobs_locked_idx').on(t.lockedUntil, t.id)],
);

export type TPushJobRow = typeof pushJobs.$inferSelect;

export const pushStatuses = ['pending', 'sent', 'dead'] as const;
export const pushUrgencies = ['very-low', 'low', 'normal', 'high'] as const;
export type TPushUrgency = (typeof pushUrgencies)[number];

/** What a notification on the device shows (the decrypted Web Push payload is exactly this JSON). */
export interface TPushPayload {
  type: 'message' | 'mention' | 'reply' | 'thread_reply' | 'call' | 'room_invite' | 'friend_request';
  conversationId?: number;
  messageId?: number;
  title: string;
  body: string;
  url?: string;
}

/**
 * One push to one device, delivered by the push worker with retries (like `mail_outbox`). A
 * pending row not yet claimed takes over a newer push with the same collapse key, so a burst
 * in one conversation ends as one delivery.
 */
export const pushOutbox = mysqlTable(
  'push_outbox',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    deviceId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => pushDevices.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true }).notNull(),
    /** Cleared once sent or given up: it may hold message text. */
    payload: json().$type<TPushPayload>(),
    collapseKey: varchar({ length: 64 }),
    urgency: mysqlEnum(pushUrgencies).notNull().default('normal'),
    ttlSeconds: int({ unsigned: true }).notNull(),
    badge: int({ unsigned: true }).notNull().default(0),
    status: mysqlEnum(pushStatuses).notNull().default('pending'),
    attempts: smallint({ unsigned: true }).notNull().default(0),
    /** Also holds a push back until do-not-disturb ends. */
    nextAttemptAt: datetime({ mode: 'date', fsp: 3 }).notNull(),
    lockedUntil: datetime({ mode: 'date', fsp: 3 }),
    /** After this the push is worth nothing (its TTL ran out while it waited): dropped, not sent. */
    expiresAt: datetime({ mode: 'date', fsp: 3 }).notNull(),
    lastError: varchar({ length: 1000 }),
    createdAt: datetime({ mode: 'date', fsp: 3 }).notNull(),
    sentAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [index('push_outbox_due_idx').on(t.status, t.nextAttemptAt), index('push_outbox_collapse_idx').on(t.deviceId, t.collapseKey, t.status)],
);

export type TPushOutboxRow = typeof pushOutbox.$inferSelect;

export const notificationLevels = ['all', 'mentions', 'none'] as const;
export type TNotificationLevel = (typeof notificationLevels)[number];
export const pushPrivacies = ['full', 'sender', 'hidden'] as const;
export type TPushPrivacy = (typeof pushPrivacies)[number];

/** A user's notification preferences; no row means the defaults below. */
export const notificationSettings = mysqlTable('notification_settings', {
  userId: bigint({ mode: 'number', unsigned: true })
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  directLevel: mysqlEnum(notificationLevels).notNull().default('all'),
  groupLevel: mysqlEnum(notificationLevels).notNull().default('mentions'),
  roomLevel: mysqlEnum(notificationLevels).notNull().default('mentions'),
  /** Do-not-disturb hours as minutes after local midnight; both null: off. May wrap past midnight. */
  dndStartMinute: smallint({ unsigned: true }),
  dndEndMinute: smallint({ unsigned: true }),
  /** IANA time zone the do-not-disturb hours are in. */
  timeZone: varchar({ length: 64 }).notNull().default('UTC'),
  /** What a push shows: the text, only who sent it, or only "new message". */
  pushPrivacy: mysqlEnum(pushPrivacies).notNull().default('full'),
  digestEnabled: boolean().notNull().default(true),
  /** The last digest mail queued: the next covers only what came after. */
  lastDigestAt: datetime({ mode: 'date', fsp: 3 }),
});

export type TNotificationSettingsRow = typeof notificationSettings.$inferSelect;
