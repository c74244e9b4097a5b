import { sql } from 'drizzle-orm';
import { bigint, datetime, index, mysqlEnum, mysqlTable } from 'drizzle-orm/mysql-core';
import { users } from './users';

export const callMedia = ['audio', 'video'] as const;
export const callStatuses = ['ringing', 'active', 'ended'] as const;
/** How a call ended: answered and hung up, or one of the ways it never connected. */
export const callOutcomes = ['completed', 'missed', 'rejected', 'cancelled', 'busy', 'dropped'] as const;
export type TCallOutcome = (typeof callOutcomes)[number];

/** A one-to-one call. Signaling (SDP, ICE) is relayed live and never stored. */
export const calls = mysqlTable(
  'calls',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    callerId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    calleeId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    media: mysqlEnum(callMedia).notNull(),
    status: mysqlEnum(callStatuses).notNull().default('ringing'),
    outcome: mysqlEnum(callOutcomes),
    endedBy: bigint({ mode: 'number', unsigned: true }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    answeredAt: datetime({ mode: 'date', fsp: 3 }),
    endedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // calls.history: a user's calls as caller or callee, newest first.
    index('calls_caller_idx').on(t.callerId, t.id),
    index('calls_callee_idx').on(t.calleeId, t.id),
    // The timeout sweeper: calls ringing too long or live without their parties.
    index('calls_status_idx').on(t.status, t.createdAt),
  ],
);

export type TCallRow = typeof calls.$inferSelect;
