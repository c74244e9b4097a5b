// The search benchmark's settings; variables are listed in bench/README.md.
import { envNumber, sized } from '../lib/env';

export const SEARCH_CONFIG = {
  messages: Math.floor(envNumber('BENCH_SEARCH_MESSAGES', sized(1_000_000, 20_000))),
  conversations: sized(200, 60),
  searcherConversations: 50,
  /** Users besides the searcher (the senders). */
  users: sized(300, 60),
  seed: 25,
  /** Queries of each kind (search/corpus.ts); the calls cycle through them. */
  queriesPerKind: sized(50, 3),
  /** chat.search calls, each followed by a chat.history call, sequentially; warm-up pairs first. */
  calls: Math.floor(envNumber('BENCH_SEARCH_CALLS', sized(1000, 24))),
  warmup: sized(40, 4),
  /** chat.search calls, then as many chat.history calls, alone, for their cost per call (search/cost.ts). */
  costCalls: Math.floor(envNumber('BENCH_SEARCH_COST_CALLS', sized(300, 8))),
  /** Time allowed for the measured calls. */
  maxCallsMs: envNumber('BENCH_SEARCH_MAX_S', 120) * 1000,
  /** LIKE scans per query kind (each is slow: it reads every message the searcher may see). */
  likePerKind: Math.floor(envNumber('BENCH_SEARCH_LIKE', sized(10, 1))),
  /** Time allowed for the LIKE scans (the kinds take turns, so each has samples when it runs out). */
  likeMaxMs: envNumber('BENCH_SEARCH_LIKE_MAX_S', 180) * 1000,
  /** chat.search's page, and chat.history's as the history benchmark reads it. */
  searchLimit: 20,
  historyPage: 50,
  /**
   * InnoDB's buffer pool for the run: the private MariaDB starts with 64 MB, less than a million
   * messages take, and a LIKE scan reading from disk would flatter the search. Restored afterwards.
   */
  bufferPoolMb: sized(1024, 0),
  /** BENCH_SEARCH_INDEXING=0 skips persisted sends with indexing on vs off; =only runs nothing else. */
  indexing: process.env.BENCH_SEARCH_INDEXING !== '0',
  indexingOnly: process.env.BENCH_SEARCH_INDEXING === 'only',
  goals: { likeRatio: 50, historyRatio: 2, indexingRatio: 0.9 },
};
