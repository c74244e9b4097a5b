// Where the search benchmark meets the search engine: filling its index for the seeded messages,
// as the engine itself would have filled it had they been sent one by one, and the switch that
// turns indexing off for the indexing comparison.
import type { Seeded } from './seed';
import type { BenchStack } from '../lib/harness';
import type { createAppDeps } from '../lib/workspace';

export interface IndexFill {
  /** How the index was filled, for the report. */
  how: string;
  ms: number;
}

export type IndexingMode = 'on' | 'off';

/** Fills the search index for messages firstId … lastId; null when this build has no search engine. */
export async function fillSearchIndex(stack: BenchStack, seeded: Seeded): Promise<IndexFill | null> {
  void stack;
  void seeded;
  return null;
}

/** What createAppDeps is given for an instance with indexing on or off. */
export function indexingOptions(mode: IndexingMode): Partial<Parameters<typeof createAppDeps>[0]> {
  void mode;
  return {};
}

/** Whether this build can turn indexing off at all (if not, both instances index alike). */
export const INDEXING_SWITCH = false;

/** Messages waiting to be indexed (0 when this build keeps no queue). */
export async function indexBacklog(stack: BenchStack): Promise<number> {
  void stack;
  return 0;
}
