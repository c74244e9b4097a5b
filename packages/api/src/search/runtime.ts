import { searchQueue, sqlText, type Db, type TSearchQueueKind } from '@chorus/db';
import type { Logger } from 'pino';
import type { DbOrTx } from '../kernel';
import { detectEngine } from './detect';
import type { SearchEngine } from './engine';
import { SearchIndexer, type IndexerOptions } from './indexer';

/** `auto`: the engine the database offers (see detectEngine); `off`: no index, no search. */
export type SearchMode = 'auto' | 'off';

export interface SearchOptions extends IndexerOptions {
  mode?: SearchMode;
}

/** Message search as the rest of the server sees it: the engine (or why there is none) and the indexing queue. */
export interface SearchRuntime {
  /** Null: search is off or the database offers no engine; `status` says which. */
  readonly engine: SearchEngine | null;
  readonly status: string;
  /** Statements that queue these messages for indexing, to run in the transaction that wrote them; none when search is off. */
  queueSql(messageIds: readonly number[]): string[];
  /**
   * Queues these for indexing in the transaction `tx` (chat edits and deletes, AI messages and
   * titles): chat messages by default; nothing when search is off.
   */
  enqueue(tx: DbOrTx, ids: readonly number[], kind?: TSearchQueueKind): Promise<void>;
  /** Indexes everything queued so far (tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Chooses the engine, makes its index table when missing (and then queues every existing
 * message, so a database that had messages before search gets them indexed), and starts the
 * indexer. A failure to make the table turns search off with an error in the log: the rest of
 * the server does not depend on search.
 */
export async function createSearchRuntime(db: Db, logger: Logger, options: SearchOptions = {}): Promise<SearchRuntime> {
  const log = logger.child({ component: 'search' });
  if (options.mode === 'off') {
    log.info('message search off (SEARCH_ENGINE=off): messages are not indexed, chat.search answers UNAVAILABLE');
    return disabled('turned off (SEARCH_ENGINE=off)');
  }
  const choice = await detectEngine(db);
  if (!choice.engine) {
    log.warn({ reason: choice.reason }, `message search unavailable: ${choice.reason}; chat.search answers UNAVAILABLE`);
    return disabled(choice.reason);
  }
  const engine = choice.engine;
  try {
    await createIndexTables(db, engine);
  } catch (error) {
    log.error({ err: error }, 'message search unavailable: could not create its index tables; chat.search answers UNAVAILABLE');
    return disabled('the index tables could not be created');
  }
  log.info({ engine: engine.name }, `message search: ${choice.reason}`);
  const indexer = new SearchIndexer(db, log, options);
  indexer.start();
  return {
    engine,
    status: choice.reason,
    queueSql: (messageIds) => (messageIds.length === 0 ? [] : [queueInsert(messageIds)]),
    enqueue: async (tx, ids, kind = 'message') => {
      if (ids.length > 0) await tx.insert(searchQueue).values(ids.map((refId) => ({ kind, refId })));
    },
    flush: () => indexer.flush(),
    close: () => indexer.stop(),
  };
}

const queueInsert = (messageIds: readonly number[]) => sqlText('insert into search_queue (ref_id) values ?', [messageIds.map((messageId) => [messageId])]);

/** What to queue when an index table is made: everything it should hold. */
const BACKFILL: Record<string, string[]> = {
  message_search: [
    "insert into search_queue (kind, ref_id) select 'message', id from messages where kind <> 'system' and deleted_at is null and text is not null",
  ],
  ai_search: [
    "insert into search_queue (kind, ref_id) select 'ai_message', id from ai_messages where status <> 'streaming'",
    "insert into search_queue (kind, ref_id) select 'ai_title', id from ai_conversations where title is not null",
  ],
};

async function createIndexTables(db: Db, engine: SearchEngine): Promise<void> {
  for (const ddl of engine.createTables) {
    const table = /create table if not exists (\w+)/.exec(ddl)![1]!;
    const [rows] = await db.$client.query(
      sqlText('select count(*) as n from information_schema.tables where table_schema = database() and table_name = ?', [table]),
    );
    if (Number((rows as Array<{ n: number }>)[0]?.n) > 0) continue;
    await db.$client.query(ddl);
    for (const statement of BACKFILL[table] ?? []) await db.$client.query(statement);
  }
}

function disabled(status: string): SearchRuntime {
  return {
    engine: null,
    status,
    queueSql: () => [],
    enqueue: async () => {},
    flush: async () => {},
    close: async () => {},
  };
}

/** The messages the index holds: those with text, except system messages. */
export function searchableIds(rows: ReadonlyArray<{ id: number; kind: string; text: string | null }>): number[] {
  return rows.filter((row) => row.kind !== 'system' && (row.text ?? '').trim() !== '').map((row) => row.id);
}
