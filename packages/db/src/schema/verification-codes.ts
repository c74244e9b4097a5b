import { sql } from 'drizzle-orm';
import { bigint, char, datetime, index, json, mysqlEnum, mysqlTable, tinyint, varchar } from 'drizzle-orm/mysql-core';
import { users } from './users';

export const codePurposes = ['verify_email', 'reset_password', 'change_email'] as const;
export type TCodePurpose = (typeof codePurposes)[number];

/**
 * One-time codes sent by email. Only a hash is stored; a code dies when used, when it
 * expires, or after too many wrong tries. A new code for the same user and purpose
 * replaces the old one.
 */
export const verificationCodes = mysqlTable(
  'verification_codes',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: mysqlEnum(codePurposes).notNull(),
    /** Where the code was sent (for change_email: the new address). */
    email: varchar({ length: 254 }).notNull(),
    codeHash: char({ length: 64 }).notNull(),
    failedAttempts: tinyint({ unsigned: true }).notNull().default(0),
    expiresAt: datetime({ mode: 'date', fsp: 3 }).notNull(),
    consumedAt: datetime({ mode: 'date', fsp: 3 }),
    /** Purpose-specific data, e.g. `{ newEmail }` for change_email. */
    payload: json().$type<Record<string, string>>(),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // The live code of a user for a purpose (verify, resend cooldown, replace).
    index('verification_codes_user_purpose_idx').on(t.userId, t.purpose, t.createdAt),
  ],
);

export type TVerificationCodeRow = typeof verificationCodes.$inferSelect;
