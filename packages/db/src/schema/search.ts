import { bigint, mysqlEnum, mysqlTable } from 'drizzle-orm/mysql-core';

/** What a queue entry's `refId` names: a chat message, an AI message, or an AI conversation's title. */
export const searchQueueKinds = ['message', 'ai_message', 'ai_title'] as const;
export type TSearchQueueKind = (typeof searchQueueKinds)[number];

/**
 * Search index entries that are due: written in the same transaction as the change (a send,
 * edit or delete; an AI message finished; a title set), so they commit or roll back with it; a
 * worker re-reads each one's current state, updates the index (tables of the search engine,
 * made at start, see the api's search/ folder) and deletes the entries. An entry may be queued
 * several times; the worker's update is idempotent. The index cannot take part in the
 * transaction (Mroonga tables are not transactional), which is why this queue exists.
 */
export const searchQueue = mysqlTable('search_queue', {
  id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  kind: mysqlEnum(searchQueueKinds).notNull().default('message'),
  refId: bigint({ mode: 'number', unsigned: true }).notNull(),
});

export type TSearchQueueRow = typeof searchQueue.$inferSelect;
