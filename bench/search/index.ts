// Message search over a million messages (mixed English and Chinese, search/corpus.ts) seeded
// straight into the chat tables (search/seed.ts) and indexed as the engine would index them
// (search/engine.ts), searched by a member of 50 conversations: chat.search's latency for
// two-word English, Chinese and mixed queries, against a LIKE scan of the same messages with
// the same visibility (search/like.ts) and against chat.history in the same run (the calls
// alternate). Then persisted sends with indexing on vs off (search/indexing.ts).
import { QUERY_KINDS, queries, type Query } from './corpus';
import { SEARCH_CONFIG as CONFIG } from './config';
import { callCost, type CallCost } from './cost';
import { fillSearchIndex } from './engine';
import { indexingComparison } from './indexing';
import { likePlan, likeScan } from './like';
import type { SearchCall, SearchCalls, SearchCallsResult } from './load';
import { seedCorpus, type Seeded } from './seed';
import { prng } from './corpus';
import { appendReport } from '../lib/observability';
import { log, type BenchReport, type BenchStack, type Cell } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { percentiles, perSecond } from '../lib/stats';

type Pool = BenchStack['deps']['db']['$client'];

/** Search and history calls in turn: the i-th search, then a history page of one of the searcher's conversations. */
function callPlan(seeded: Seeded, all: Query[], count: number, seed: number): SearchCall[] {
  const random = prng(seed);
  const readable = seeded.conversations.filter((c) => c.searcher && c.count > CONFIG.historyPage);
  if (readable.length === 0) throw new Error('search: the searcher has no conversation to page');
  const calls: SearchCall[] = [];
  for (let i = 0; i < count; i++) {
    const query = all[i % all.length]!;
    calls.push({ kind: 'search', label: query.kind, query: query.text, limit: CONFIG.searchLimit });
    // As the history benchmark: a random beforeId, here within a random conversation of the searcher's.
    const conversation = readable[Math.floor(random() * readable.length)]!;
    const low = Math.max(conversation.minId, conversation.visibleAfter);
    calls.push({
      kind: 'history',
      label: 'history',
      conversationId: conversation.id,
      beforeId: low + 1 + Math.floor(random() * (conversation.maxId - low)),
      limit: CONFIG.historyPage,
    });
  }
  return calls;
}

async function withBufferPool<T>(pool: Pool, mb: number, work: () => Promise<T>): Promise<T> {
  if (mb <= 0) return work();
  const [[before]] = (await pool.query('SELECT @@GLOBAL.innodb_buffer_pool_size AS size')) as unknown as [Array<{ size: number }>];
  const previous = Number(before?.size ?? 0);
  const wanted = mb * 1024 * 1024;
  if (previous >= wanted) return work();
  await pool.query('SET GLOBAL innodb_buffer_pool_size = ?', [wanted]).catch((error: unknown) => log(`search: buffer pool not resized: ${String(error)}`));
  try {
    return await work();
  } finally {
    await pool.query('SET GLOBAL innodb_buffer_pool_size = ?', [previous]).catch(() => {});
  }
}

const ratioText = (value: number, goal: number, higherIsBetter: boolean) =>
  `${value.toFixed(value >= 10 ? 0 : 2)}× (goal ${higherIsBetter ? '≥' : '≤'} ${goal}×, ${(higherIsBetter ? value >= goal : value <= goal) ? 'met' : 'MISSED'})`;

export async function search(stack: BenchStack): Promise<BenchReport> {
  const report: BenchReport = { bench: 'search', rows: [], facts: {}, notes: [] };
  const pool = stack.deps.db.$client;
  if (!CONFIG.indexingOnly) await withBufferPool(pool, CONFIG.bufferPoolMb, () => searchLatency(stack, report));
  if (CONFIG.indexing) appendReport(report, await indexingComparison(stack));
  else report.notes.push('indexing on vs off: skipped (BENCH_SEARCH_INDEXING=0)');
  return report;
}

async function searchLatency(stack: BenchStack, report: BenchReport): Promise<void> {
  const pool = stack.deps.db.$client;
  const { rows, facts, notes } = report;
  log(`search: seeding ${CONFIG.messages.toLocaleString('en')} messages over ${CONFIG.conversations} conversations`);
  const seeded = await seedCorpus(stack, {
    messages: CONFIG.messages,
    conversations: CONFIG.conversations,
    searcherConversations: CONFIG.searcherConversations,
    users: CONFIG.users,
    seed: CONFIG.seed,
  });
  facts['search: messages seeded / seconds'] =
    `${CONFIG.messages.toLocaleString('en')} / ${(seeded.seedMs / 1000).toFixed(1)} s (${perSecond(CONFIG.messages, seeded.seedMs)} rows/s)`;
  facts['search: the searcher is a member of / messages they may read'] =
    `${seeded.conversations.filter((c) => c.searcher).length} of ${seeded.conversations.length} conversations / ${seeded.visibleToSearcher.toLocaleString('en')}`;
  log(`search: seeded in ${(seeded.seedMs / 1000).toFixed(1)} s; filling the search index`);
  const fill = await fillSearchIndex(stack, seeded);
  facts['search: index filled'] = fill ? `${fill.how}, ${(fill.ms / 1000).toFixed(1)} s` : 'no search engine in this build';

  const all = queries(CONFIG.seed, CONFIG.queriesPerKind);
  const load = new LoadProcess<SearchCalls>(new URL('./load.ts', import.meta.url));
  let result: SearchCallsResult;
  try {
    log(`search: ${CONFIG.calls} chat.search calls, each followed by a chat.history call`);
    result = await load.request<SearchCallsResult>(
      {
        op: 'sequential',
        url: stack.url,
        token: seeded.searcher.token,
        warmup: callPlan(seeded, all, CONFIG.warmup, CONFIG.seed + 1),
        calls: callPlan(seeded, all, CONFIG.calls, CONFIG.seed + 2),
        windowMs: CONFIG.maxCallsMs,
      },
      CONFIG.maxCallsMs * 2 + 120_000,
    );
  } finally {
    await load.stop();
  }
  if (result.errors > 0) notes.push(`search: ${result.errors} calls failed (first: ${result.firstError ?? '?'})`);

  const row = (kind: string, system: string, samples: Array<{ ms: number; items: number }>, extra: Record<string, Cell> = {}) => {
    const p = percentiles(samples.map((sample) => sample.ms));
    rows.push({
      case: kind,
      system,
      ...p,
      'items/page (mean)': samples.length > 0 ? Number((samples.reduce((sum, s) => sum + s.items, 0) / samples.length).toFixed(1)) : '-',
      ...extra,
    });
    return p;
  };
  const searches = result.samples.filter((sample) => sample.label !== 'history');
  for (const kind of QUERY_KINDS)
    row(
      kind,
      'chat.search, minimal socket',
      searches.filter((sample) => sample.label === kind),
    );
  const searchAll = row('all queries', 'chat.search, minimal socket', searches);
  const history = row(
    `chat.history ${CONFIG.historyPage}, random beforeId`,
    'chat.history, minimal socket, alternating with the searches',
    result.samples.filter((s) => s.label === 'history'),
  );

  log(`search: chat.search p50 ${searchAll.p50} p99 ${searchAll.p99} ms, chat.history p50 ${history.p50} p99 ${history.p99} ms`);

  // The cost of each kind of call alone, in load-insensitive measures (search/cost.ts).
  const costPlan = callPlan(seeded, all, CONFIG.costCalls, CONFIG.seed + 3);
  const costs: Array<[string, CallCost]> = [];
  for (const kind of ['search', 'history'] as const) {
    log(`search: ${CONFIG.costCalls} chat.${kind} calls alone, counting their cost`);
    costs.push([
      kind,
      await callCost(
        stack,
        seeded.searcher.token,
        costPlan.filter((call) => call.kind === kind),
      ),
    ]);
  }
  for (const [kind, cost] of costs)
    facts[
      `cost per chat.${kind} call (${cost.calls} alone): server CPU / MariaDB CPU ms, SQL statements, Mroonga query parts, MariaDB minor page faults; other CPU meanwhile`
    ] =
      `${cost.serverCpuMs.toFixed(2)} / ${cost.dbCpuMs.toFixed(2)} ms, ${cost.statements.toFixed(2)}, ${cost.mroongaParts.toFixed(2)}, ${cost.dbMinorFaults.toFixed(0)}; ${cost.otherCpuPercent}% of a core`;

  // The LIKE scans: the first queries of each kind, once each, on the pool (no server in between).
  const likeSamples: Array<{ kind: string; ms: number; items: number }> = [];
  // The kinds take turns (query 1 of each kind, then query 2 …), so each has samples if time runs out.
  const likeQueries = Array.from({ length: CONFIG.likePerKind }, (_, i) => QUERY_KINDS.map((kind) => all.filter((query) => query.kind === kind)[i]))
    .flat()
    .filter((query) => query !== undefined);
  log(`search: up to ${likeQueries.length} LIKE scans in ${Math.round(CONFIG.likeMaxMs / 1000)} s`);
  // One unmeasured scan first: it brings the messages into the buffer pool, as chat.search's warm-up calls warm its index.
  if (likeQueries[0]) await likeScan(pool, seeded.searcher.id, likeQueries[0], CONFIG.searchLimit);
  const likeStarted = performance.now();
  for (const query of likeQueries) {
    if (performance.now() - likeStarted > CONFIG.likeMaxMs) {
      notes.push(
        `search: only ${likeSamples.length} of ${likeQueries.length} LIKE scans fit in ${Math.round(CONFIG.likeMaxMs / 1000)} s (BENCH_SEARCH_LIKE_MAX_S)`,
      );
      break;
    }
    const { ms, ids } = await likeScan(pool, seeded.searcher.id, query, CONFIG.searchLimit);
    likeSamples.push({ kind: query.kind, ms, items: ids.length });
  }
  for (const kind of QUERY_KINDS)
    row(
      kind,
      "LIKE '%…%' per word, SQL on the pool",
      likeSamples.filter((sample) => sample.kind === kind),
    );
  const like = row('all queries', "LIKE '%…%' per word, SQL on the pool", likeSamples);
  facts['search: the LIKE query (EXPLAIN)'] = await likePlan(pool, seeded.searcher.id, likeQueries[0]!, CONFIG.searchLimit);

  const measured = searches.length > 0;
  facts['goal: LIKE ÷ chat.search, p50 (p99)'] = measured
    ? `${ratioText(like.p50 / searchAll.p50, CONFIG.goals.likeRatio, true)} (${(like.p99 / searchAll.p99).toFixed(0)}× at p99)`
    : 'not measured: chat.search gave no answer';
  facts['goal: chat.search p99 ÷ chat.history p99'] = measured ? ratioText(searchAll.p99 / history.p99, CONFIG.goals.historyRatio, false) : 'not measured';
  notes.push(
    `search: ${CONFIG.messages.toLocaleString('en')} messages (50% English, 40% Chinese, 10% Chinese with Latin words; sentences of 5–14 English or 3–9 Chinese words drawn with Zipf frequencies from fixed lists, search/corpus.ts), inserted with multi-row INSERTs into messages; 1% deleted, 2% edited; ${CONFIG.conversations} conversations of uneven size, the searcher in ${CONFIG.searcherConversations} (10 direct, 2 rooms of which one hides history from before the searcher joined, the rest groups)`,
    `search: queries drawn from below the 20 commonest words of each list (${CONFIG.queriesPerKind} of each kind, cycled): two English words, one Chinese two-character word, two Chinese words, a Chinese and an English word; chat.search({ query, limit: ${CONFIG.searchLimit} }) and chat.history({ conversationId, beforeId, limit: ${CONFIG.historyPage} }) alternate on one minimal socket in a forked process (search/load.ts), ${CONFIG.warmup} warm-up pairs first`,
    `search: the LIKE baseline is one SQL query per query (m.text LIKE '%word%' for each word, the same visibility as chat.search, newest ${CONFIG.searchLimit} first), timed on the pool from this process with no server or socket in between (in LIKE's favour), ${CONFIG.likePerKind} per kind after one unmeasured scan; ${CONFIG.bufferPoolMb > 0 ? `InnoDB's buffer pool raised to ${CONFIG.bufferPoolMb} MB for the run, so the scans read memory, not disk` : "InnoDB's buffer pool as the private server starts it"}`,
  );
}
