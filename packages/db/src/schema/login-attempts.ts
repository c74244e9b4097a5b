import { sql } from 'drizzle-orm';
import { bigint, boolean, datetime, index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { users } from './users';

/** Every login attempt, successful or not, for the user's own history and for audits. */
export const loginAttempts = mysqlTable(
  'login_attempts',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    /** Null when the login named no known user. */
    userId: bigint({ mode: 'number', unsigned: true }).references(() => users.id, { onDelete: 'cascade' }),
    /** The email or username as typed (trimmed, truncated). */
    login: varchar({ length: 254 }).notNull(),
    success: boolean().notNull(),
    /** ok | invalid_credentials | email_not_verified | user_banned | rate_limited */
    reason: varchar({ length: 32 }).notNull(),
    method: varchar({ length: 16 }).notNull().default('password'),
    ip: varchar({ length: 45 }),
    userAgent: varchar({ length: 512 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // account.loginHistory: a user's attempts, newest first, paged by id.
    index('login_attempts_user_idx').on(t.userId, t.id),
  ],
);

export type TLoginAttemptRow = typeof loginAttempts.$inferSelect;
