// Where the search benchmark meets the search engine (the api's search/ folder): filling its
// index for the seeded messages with the engine's own indexer, the switch that turns indexing off
// for the indexing comparison, and the indexer's backlog.
import type { Seeded } from './seed';
import { log, type BenchStack } from '../lib/harness';
import type { createAppDeps } from '../lib/workspace';

export interface IndexFill {
  /** How the index was filled, for the report. */
  how: string;
  ms: number;
}

export type IndexingMode = 'on' | 'off';

const QUEUE_CHUNK = 10_000;

/**
 * Indexes messages firstId … lastId as the engine indexes sent ones: queues them (deps.search.enqueue,
 * as an edit's transaction does) and has the server's indexer drain the queue (deps.search.flush:
 * it reads each message, folds its text and writes its index row). Null when this build or this
 * database offers no search engine.
 */
export async function fillSearchIndex(stack: BenchStack, seeded: Seeded): Promise<IndexFill | null> {
  const { search } = stack.deps;
  if (!search.engine) {
    log(`search: no search engine: ${search.status}`);
    return null;
  }
  const started = performance.now();
  // Through the engine's own enqueue (what an edit's transaction calls), in chunks of ids.
  for (let from = seeded.firstId; from <= seeded.lastId; from += QUEUE_CHUNK) {
    const to = Math.min(seeded.lastId, from + QUEUE_CHUNK - 1);
    await search.enqueue(
      stack.deps.db,
      Array.from({ length: to - from + 1 }, (_, i) => from + i),
    );
  }
  const queuedMs = performance.now() - started;
  await search.flush();
  const ms = performance.now() - started;
  return { how: `${search.engine.name} (${search.status}): queued in ${(queuedMs / 1000).toFixed(1)} s, drained by the server's indexer`, ms };
}

/** What createAppDeps is given for an instance with indexing on or off (SEARCH_ENGINE=auto / off). */
export function indexingOptions(mode: IndexingMode): Partial<Parameters<typeof createAppDeps>[0]> {
  return { search: { mode: mode === 'off' ? 'off' : 'auto' } };
}

/** Whether this build can turn indexing off at all (if not, both instances index alike). */
export const INDEXING_SWITCH = true;

/** Messages waiting to be indexed. */
export async function indexBacklog(stack: BenchStack): Promise<number> {
  const [[row]] = (await stack.deps.db.$client.query('SELECT COUNT(*) AS n FROM search_queue')) as unknown as [Array<{ n: number }>];
  return Number(row?.n ?? 0);
}
