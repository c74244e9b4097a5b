// chat.history from a conversation of BENCH_HISTORY_ROWS (default 1,000,000) messages: the
// messages are inserted with INSERT … SELECT straight into `messages`, then pages of 50 are read
// at random positions from a forked process (fanout/history-load.ts): through a minimal socket
// speaking tRPC's messages (the server's latency, as the fanout receivers measure it), and
// through the real typed client on its socket and over HTTP (what an app's call takes).
import type { Member } from '../lib/members';
import { sized } from '../lib/env';
import { log, type BenchStack, type Cell } from '../lib/harness';
import { withProfile } from '../lib/process-cpu';
import type { HistoryCalls, HistoryCallsResult, HistoryTransport } from './history-load';
import { LoadProcess } from '../lib/load-process';
import { perSecond } from '../lib/stats';
import { closeChorusClient, createBenchClient } from '../lib/workspace';

const CHUNK = 100_000;
const WARMUP_CALLS = sized(100, 5);
const SEQUENTIAL_CALLS = sized(1000, 20);
const CONCURRENT = sized({ callers: 16, windowMs: 3000 }, { callers: 4, windowMs: 300 });
const PAGE = 50;
const TRANSPORTS: HistoryTransport[] = ['frames-ping', 'frames', 'websocket', 'http'];
const TRANSPORT_LABEL: Record<HistoryTransport, string> = {
  'frames-ping': 'minimal socket, system.ping instead (the floor)',
  frames: 'minimal socket',
  websocket: 'typed client on its socket',
  http: 'typed client over HTTP',
};

export interface HistoryResult {
  rows: Array<Record<string, Cell>>;
  facts: Record<string, Cell>;
  notes: string[];
  /** p99 of the sequential calls, by transport. */
  p99: Partial<Record<HistoryTransport, number>>;
  seeded: number;
}

type Pool = BenchStack['deps']['db']['$client'];

async function hasSequenceEngine(pool: Pool): Promise<boolean> {
  try {
    await pool.query('SELECT seq FROM seq_1_to_1');
    return true;
  } catch {
    return false;
  }
}

/** Inserts messages seeded+1 … seeded+count, alternating between the two senders, with unique client ids. */
async function seedChunk(pool: Pool, sequence: boolean, conversationId: number, senders: [number, number], from: number, to: number): Promise<void> {
  const select = `SELECT ?, IF(seq % 2 = 0, ?, ?), CONCAT('h', LPAD(seq, 10, '0')), 'text',
      CONCAT('history message ', seq, ': the quick brown fox jumps over the lazy dog'),
      TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00')`;
  const params = [conversationId, senders[0], senders[1]];
  if (sequence) {
    await pool.query(`INSERT INTO messages (conversation_id, sender_id, client_id, kind, text, created_at) ${select} FROM seq_${from}_to_${to}`, params);
    return;
  }
  // Without MariaDB's SEQUENCE engine: a recursive CTE makes the numbers.
  await pool.query(
    `INSERT INTO messages (conversation_id, sender_id, client_id, kind, text, created_at)
     WITH RECURSIVE s (seq) AS (SELECT ? UNION ALL SELECT seq + 1 FROM s WHERE seq < ?) ${select} FROM s`,
    [from, to, ...params],
  );
}

export async function historyBench(
  stack: BenchStack,
  pair: [Member, Member],
  wanted: number,
  maxSeedMs: number,
  maxCallsMs: number,
  profileDir: string | null = null,
): Promise<HistoryResult> {
  const pool = stack.deps.db.$client;
  const owner = createBenchClient(stack.url, { token: pair[0].token });
  const { conversationId } = await owner.chat.createGroup.mutate({ name: 'history bench', memberIds: [pair[1].id] });

  const sequence = await hasSequenceEngine(pool);
  log(`fanout: seeding ${wanted} messages into conversation ${conversationId} (${sequence ? 'SEQUENCE engine' : 'recursive CTE'})`);
  const seedStarted = performance.now();
  let seeded = 0;
  while (seeded < wanted && performance.now() - seedStarted < maxSeedMs) {
    const to = Math.min(wanted, seeded + CHUNK);
    await seedChunk(pool, sequence, conversationId, [pair[0].id, pair[1].id], seeded + 1, to);
    seeded = to;
    if (seeded % (CHUNK * 2) === 0 || seeded === wanted) log(`fanout: … ${seeded} messages, ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
  }
  const seedMs = performance.now() - seedStarted;
  const [[bounds]] = (await pool.query('SELECT MIN(id) AS minId, MAX(id) AS maxId, COUNT(*) AS n FROM messages WHERE conversation_id = ?', [
    conversationId,
  ])) as unknown as [Array<{ minId: number; maxId: number; n: number }>];
  if (!bounds || Number(bounds.n) === 0) throw new Error('fanout: the history conversation has no messages');
  const minId = Number(bounds.minId);
  const maxId = Number(bounds.maxId);
  await pool.query('UPDATE conversations SET last_message_id = ? WHERE id = ?', [maxId, conversationId]);
  await pool.query('ANALYZE TABLE messages');
  const planOf = async (): Promise<string> => {
    // The query chat.history runs (drizzle), at the middle of the conversation; MariaDB's ANALYZE runs it and counts.
    try {
      const [[row]] = (await pool.query(
        'ANALYZE FORMAT=JSON SELECT * FROM messages FORCE INDEX (messages_conversation_idx) WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT 50',
        [conversationId, Math.floor((minId + maxId) / 2)],
      )) as unknown as [Array<Record<string, string>>];
      const json = JSON.parse(Object.values(row ?? {})[0] ?? '{}') as {
        query_block?: {
          r_total_time_ms?: number;
          nested_loop?: Array<{ table?: { access_type?: string; key?: string; used_key_parts?: string[]; r_rows?: number } }>;
        };
      };
      const table = json.query_block?.nested_loop?.[0]?.table;
      return `${table?.access_type ?? '?'} on ${table?.key ?? '?'} (${(table?.used_key_parts ?? []).join(', ')}), ${table?.r_rows ?? '?'} rows read for 50, ${json.query_block?.r_total_time_ms?.toFixed(1) ?? '?'} ms`;
    } catch (error) {
      return `n/a (${error instanceof Error ? error.message : String(error)})`;
    }
  };
  const plan = await planOf();

  const rows: Array<Record<string, Cell>> = [];
  const caseName = `chat.history ${PAGE} of ${seeded.toLocaleString('en')}, random beforeId`;
  const load = new LoadProcess<HistoryCalls>(new URL('./history-load.ts', import.meta.url));
  const spec = { url: stack.url, tokens: pair.map((member) => member.token), conversationId, minId, maxId, page: PAGE };
  try {
    const sequential: Partial<Record<HistoryTransport, HistoryCallsResult>> = {};
    for (const calls of TRANSPORTS) {
      const over = TRANSPORT_LABEL[calls];
      log(`fanout: chat.history ${over}, ${SEQUENTIAL_CALLS} sequential calls`);
      const result = await withProfile(profileDir, `history-sequential-${calls}`, () =>
        load.request<HistoryCallsResult>(
          { op: 'sequential', ...spec, transport: calls, callers: 1, warmupCalls: WARMUP_CALLS, calls: SEQUENTIAL_CALLS, windowMs: maxCallsMs },
          maxCallsMs * 2 + 60_000,
        ),
      );
      sequential[calls] = result;
      rows.push({
        case: caseName,
        system: `Chorus, sequential, ${over}`,
        ...result.percentiles,
        'calls/s': result.callsPerSecond,
        'client CPU ms/call': result.clientCpuMsPerCall,
      });

      if (calls === 'frames-ping') continue;
      log(`fanout: chat.history ${over}, ${CONCURRENT.callers} concurrent callers for ${CONCURRENT.windowMs} ms`);
      const concurrent = await load.request<HistoryCallsResult>(
        { op: 'concurrent', ...spec, transport: calls, callers: CONCURRENT.callers, warmupCalls: 1, calls: 100_000, windowMs: CONCURRENT.windowMs },
        CONCURRENT.windowMs + 60_000,
      );
      rows.push({
        case: caseName,
        system: `Chorus, ${CONCURRENT.callers} concurrent callers, ${over}`,
        ...concurrent.percentiles,
        'calls/s': concurrent.callsPerSecond,
        'client CPU ms/call': concurrent.clientCpuMsPerCall,
      });
    }
    const samplesTaken = Math.min(...TRANSPORTS.map((calls) => sequential[calls]!.samples));
    return {
      rows,
      p99: Object.fromEntries(TRANSPORTS.map((calls) => [calls, sequential[calls]!.percentiles.p99])),
      seeded,
      facts: {
        'history: messages seeded / seconds': `${seeded.toLocaleString('en')} / ${(seedMs / 1000).toFixed(1)} s (${perSecond(seeded, seedMs)} rows/s)`,
        'history: the page query at mid-conversation (MariaDB ANALYZE)': plan,
      },
      notes: [
        seeded < wanted
          ? `history: seeded only ${seeded} of ${wanted} messages: seeding stopped after ${Math.round(maxSeedMs / 1000)} s (BENCH_HISTORY_SEED_MAX_S)`
          : `history: ${seeded.toLocaleString('en')} messages in one conversation (BENCH_HISTORY_ROWS), inserted by INSERT … SELECT in chunks of ${CHUNK.toLocaleString('en')}`,
        `history: latency of chat.history({conversationId, beforeId, limit: ${PAGE}}) from a forked load process (fanout/history-load.ts): through a minimal socket sending tRPC's query message and doing one JSON.parse per answer (the server's latency; it offers permessage-deflate as browsers do, so answers come compressed), then through the typed client with calls: 'websocket' (the query on its socket) and over HTTP (the default), which add their own decoding (superjson, tRPC's links); "client CPU ms/call" is the load process's CPU time per call, all threads; beforeId uniform over the conversation; up to ${WARMUP_CALLS} warm-up calls first, then up to ${SEQUENTIAL_CALLS} calls or ${Math.round(maxCallsMs / 1000)} s (BENCH_HISTORY_MAX_S)${samplesTaken < SEQUENTIAL_CALLS ? `: only ${samplesTaken} calls fit` : ''}`,
      ],
    };
  } finally {
    await load.stop();
    await closeChorusClient(owner);
  }
}
