import { bigint, mysqlTable } from 'drizzle-orm/mysql-core';

/**
 * Messages whose search index entry is due: written in the same transaction as the send, edit
 * or delete, so it commits or rolls back with the change; a worker re-reads each message's
 * current state, updates the index (a table of the search engine, made at start, see the api's
 * search/ folder) and deletes the entry. A message may be queued several times; the worker's
 * update is idempotent. The index itself cannot take part in the transaction (Mroonga tables
 * are not transactional), which is why this queue exists.
 */
export const searchQueue = mysqlTable('search_queue', {
  id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  messageId: bigint({ mode: 'number', unsigned: true }).notNull(),
});

export type TSearchQueueRow = typeof searchQueue.$inferSelect;
