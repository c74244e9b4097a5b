import { sql } from 'drizzle-orm';
import { bigint, boolean, datetime, index, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';

export const userRoles = ['user', 'admin'] as const;

export const users = mysqlTable(
  'users',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    /** Lower-cased; null for guests. */
    email: varchar({ length: 254 }),
    username: varchar({ length: 32 }).notNull(),
    /** E.164, optional. */
    phone: varchar({ length: 16 }),
    displayName: varchar({ length: 64 }).notNull(),
    bio: varchar({ length: 500 }).notNull().default(''),
    avatarUrl: varchar({ length: 2048 }),
    /** argon2id PHC string; null for guests. Never leaves the service layer. */
    passwordHash: varchar({ length: 255 }),
    role: mysqlEnum(userRoles).notNull().default('user'),
    isGuest: boolean().notNull().default(false),
    locale: varchar({ length: 16 }).notNull().default('en'),
    emailVerifiedAt: datetime({ mode: 'date', fsp: 3 }),
    bannedAt: datetime({ mode: 'date', fsp: 3 }),
    banReason: varchar({ length: 500 }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** Links in this user's messages get previews (see chat/previews in the API). */
    linkPreviews: boolean().notNull().default(true),
  },
  (t) => [
    // Login and registration look a user up by email; also enforces uniqueness.
    uniqueIndex('users_email_uq').on(t.email),
    // Login by username, profile lookups and the uniqueness rule.
    uniqueIndex('users_username_uq').on(t.username),
    // Phone numbers are unique when given (NULLs do not collide).
    uniqueIndex('users_phone_uq').on(t.phone),
    // users.search: prefix match on the display name (usernames use users_username_uq).
    index('users_display_name_idx').on(t.displayName),
  ],
);

export type TUserRow = typeof users.$inferSelect;
export type TNewUserRow = typeof users.$inferInsert;
export type TUserRole = (typeof userRoles)[number];
