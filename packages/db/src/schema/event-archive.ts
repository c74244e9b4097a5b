import { bigint, index, int, mediumtext, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';

/**
 * Per-user event stream entries moved out of Redis once they are older than the Redis window
 * (docs/realtime.md, "Stream archive"): one row per user and archive pass, named by the id of
 * its last entry. `entries` is compact JSON `[[id, prev, ref], …]` in stream order; `ref` is
 * `"c<conversationId>:<seq>"` for a conversation event (its body is rebuilt from
 * `conversation_events`) or `{ "b": body }` for a user event, which no other table holds.
 * Rows of concurrent or repeated passes may overlap; readers follow the `prev` chain.
 */
export const eventArchive = mysqlTable(
  'event_archive',
  {
    userId: bigint({ mode: 'number', unsigned: true }).notNull(),
    lastMs: bigint({ mode: 'number', unsigned: true }).notNull(),
    lastSeq: int({ unsigned: true }).notNull(),
    /** The `prev` of the row's first entry. */
    firstPrev: varchar({ length: 48 }).notNull(),
    entries: mediumtext().notNull(),
  },
  (t) => [
    // A user's rows in stream order (the reader), and a repeated pass inserts nothing twice.
    primaryKey({ name: 'event_archive_pk', columns: [t.userId, t.lastMs, t.lastSeq] }),
    // Pruning rows past retention.
    index('event_archive_last_ms_idx').on(t.lastMs),
  ],
);

export type TEventArchiveRow = typeof eventArchive.$inferSelect;
