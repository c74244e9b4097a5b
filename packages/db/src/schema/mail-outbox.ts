import { sql } from 'drizzle-orm';
import { bigint, datetime, index, json, mediumtext, mysqlEnum, mysqlTable, smallint, text, varchar } from 'drizzle-orm/mysql-core';

export const mailStatuses = ['pending', 'sent', 'dead'] as const;
export type TMailStatus = (typeof mailStatuses)[number];

/**
 * Durable outbox: a request that sends mail only inserts a row here (in its own
 * transaction), and the mail worker delivers it with retries and backoff, so a provider
 * outage delays mail but never loses it or blocks the request.
 */
export const mailOutbox = mysqlTable(
  'mail_outbox',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    toAddress: varchar({ length: 254 }).notNull(),
    subject: varchar({ length: 255 }).notNull(),
    /** Cleared once sent: bodies may hold one-time codes. */
    textBody: text().notNull(),
    htmlBody: mediumtext(),
    /** Extra mail headers, e.g. List-Unsubscribe (RFC 8058); null: none. */
    headers: json().$type<Record<string, string>>(),
    /** Template name, for logs and metrics (never the body). */
    template: varchar({ length: 64 }).notNull(),
    status: mysqlEnum(mailStatuses).notNull().default('pending'),
    attempts: smallint({ unsigned: true }).notNull().default(0),
    nextAttemptAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** A worker that claimed the row owns it until then; a crashed worker's claim lapses. */
    lockedUntil: datetime({ mode: 'date', fsp: 3 }),
    lastError: varchar({ length: 1000 }),
    providerMessageId: varchar({ length: 128 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    sentAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // The worker's scan: pending rows whose next attempt is due.
    index('mail_outbox_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

export type TMailOutboxRow = typeof mailOutbox.$inferSelect;
