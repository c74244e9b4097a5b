import { sql } from 'drizzle-orm';
import { bigint, datetime, index, mysqlTable } from 'drizzle-orm/mysql-core';
import { conversations, messages } from './chat';
import { users } from './users';

/**
 * Pinned messages: at most one pin per message (pinning again replaces it). A pin with
 * `expiresAt` is removed by the expiry job once that time passes, and is never shown after it.
 */
export const messagePins = mysqlTable(
  'message_pins',
  {
    messageId: bigint({ mode: 'number', unsigned: true })
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    conversationId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    pinnedBy: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    pinnedAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** Null: pinned until unpinned. */
    expiresAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // chat.pins (newest first) and the per-conversation cap's count.
    index('message_pins_conversation_idx').on(t.conversationId, t.pinnedAt),
    // The expiry job: pins whose time has passed.
    index('message_pins_expiry_idx').on(t.expiresAt),
  ],
);

export type TMessagePinRow = typeof messagePins.$inferSelect;
