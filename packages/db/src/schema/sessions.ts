import { sql } from 'drizzle-orm';
import { bigint, char, datetime, index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { users } from './users';

/**
 * Sessions after the Lucia design: the client holds `<id>.<secret>`; only the SHA-256 of the
 * secret is stored, so a database leak yields no usable token. The id is not secret and
 * names a session in lists and revocations.
 */
export const sessions = mysqlTable(
  'sessions',
  {
    id: char({ length: 24 }).primaryKey(),
    /** Hex SHA-256 of the token's secret part, compared in constant time. */
    secretHash: char({ length: 64 }).notNull(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: datetime({ mode: 'date', fsp: 3 }).notNull(),
    lastSeenAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    ip: varchar({ length: 45 }),
    userAgent: varchar({ length: 512 }),
  },
  (t) => [
    // Listing and revoking all sessions of one user (sessions list, logoutAll, ban, reset).
    index('sessions_user_idx').on(t.userId),
    // Sweeping expired sessions.
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

export type TSessionRow = typeof sessions.$inferSelect;
