// Where the search benchmark meets the search engine: filling its index for the seeded messages,
// as the engine itself would have filled it had they been sent one by one.
import type { Seeded } from './seed';
import type { BenchStack } from '../lib/harness';

export interface IndexFill {
  /** How the index was filled, for the report. */
  how: string;
  ms: number;
}

/** Fills the search index for messages firstId … lastId; null when this build has no search engine. */
export async function fillSearchIndex(stack: BenchStack, seeded: Seeded): Promise<IndexFill | null> {
  void stack;
  void seeded;
  return null;
}
