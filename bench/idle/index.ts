// Idle connections: what the server holds for each authenticated WebSocket connection with one
// events.subscribe that then sits idle, with permessage-deflate on and off, beside a plain `ws`
// server holding the same sockets. Goal: at most 25 KB per connection with compression off.
//
// Processes: each case forks a server process of its own (idle/server.ts: a Chorus instance on
// the stack's database and Redis, or the baseline), so its memory holds the sockets and nothing
// else; a forked load process (idle/load.ts) opens the sockets. The server's memory is read before
// the sockets open (after a warm-up batch opened and closed, so lazily loaded code and pools are in
// both readings) and again with all of them open (each subscription has sent its first event) and
// settled. Each reading waits until the server is quiet, then takes the median of three readings,
// each after V8's memory-reducing GC: an ordinary major GC keeps about 20 KB per connection that
// the memory-reducing one frees, and whether V8's own memory reducer had run before a reading
// decided whether a run saw them, so readings after ordinary GCs moved by half between runs.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { envList, envNumber, sized } from '../lib/env';
import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { createMembers } from '../lib/members';
import type { IdleSystem, LoadRequest, MemorySample, OpenResult, ServerRequest } from './protocol';

const CONFIG = {
  connections: Math.floor(envNumber('BENCH_IDLE_CONNECTIONS', sized(10_000, 40))),
  /** BENCH_IDLE_CASES=chorus-off,chorus-on,ws-off,ws-on (default: all). */
  cases: envList('BENCH_IDLE_CASES'),
  warmup: sized(100, 5),
  /**
   * Time the open sockets are left alone before the second reading: the subscriptions' start-up
   * work is over, and the server's idle sweep (two rounds of 10 s without traffic) has released
   * their compression state.
   */
  settleMs: envNumber('BENCH_IDLE_SETTLE_MS', sized(25_000, 200)),
  /** A subscription costs the server a few ms of CPU: on a busy 2-core machine 10,000 take minutes. */
  open: { concurrency: 100, timeoutMs: 120_000 + 100 * envNumber('BENCH_IDLE_CONNECTIONS', sized(10_000, 40)) },
  goalKb: 25,
  /** BENCH_IDLE_SNAPSHOT=dir: heap snapshots of the server process at both readings (idle-<case>-before/after.heapsnapshot). */
  snapshotDir: process.env.BENCH_IDLE_SNAPSHOT || null,
};

const CASES: Array<{ name: string; system: IdleSystem; compression: boolean }> = [
  { name: 'chorus-off', system: 'chorus', compression: false },
  { name: 'chorus-on', system: 'chorus', compression: true },
  { name: 'ws-off', system: 'ws', compression: false },
  { name: 'ws-on', system: 'ws', compression: true },
];

const mb = (bytes: number) => Number((bytes / 1048576).toFixed(1));
const kbPer = (bytes: number, count: number) => Number((bytes / 1024 / count).toFixed(1));

/** Each process holds one descriptor per socket: refuse early, with the fix, when the limit is too low. */
function checkDescriptorLimit(needed: number): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (Number.isFinite(limit) && limit < needed + 500)
    throw new Error(`idle: ulimit -n is ${limit}, ${needed} sockets need more (raise it, e.g. \`ulimit -n ${needed + 1000}\`, before pnpm bench)`);
}

interface CaseResult {
  before: MemorySample;
  after: MemorySample;
  opened: OpenResult;
}

async function runCase(stack: BenchStack, load: LoadProcess<LoadRequest>, tokens: string[], spec: (typeof CASES)[number]): Promise<CaseResult> {
  const server = new LoadProcess<ServerRequest>(new URL('./server.ts', import.meta.url));
  try {
    const t0 = performance.now();
    const url = await server.request<string>(
      { op: 'start', system: spec.system, compression: spec.compression, databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl },
      60_000,
    );
    const open = (some: string[]) =>
      load.request<OpenResult>(
        { op: 'open', url, system: spec.system, tokens: some, deflate: spec.compression, ...CONFIG.open },
        CONFIG.open.timeoutMs + 10_000,
      );
    log(`idle: ${spec.name} server started in ${Math.round(performance.now() - t0)} ms`);
    await open(tokens.slice(0, CONFIG.warmup));
    await load.request({ op: 'close' }, 60_000);
    await sleep(Math.min(CONFIG.settleMs, 3000));
    const before = await server.request<MemorySample>({ op: 'memory' }, 60_000);
    const snapshot = async (when: string) => {
      if (!CONFIG.snapshotDir) return;
      mkdirSync(CONFIG.snapshotDir, { recursive: true });
      const file = join(CONFIG.snapshotDir, `idle-${spec.name}-${when}.heapsnapshot`);
      log(`idle: heap snapshot written to ${await server.request<string>({ op: 'snapshot', file }, 600_000)}`);
    };
    await snapshot('before');
    const opened = await open(tokens);
    await sleep(CONFIG.settleMs);
    const after = await server.request<MemorySample>({ op: 'memory' }, 60_000);
    await snapshot('after');
    await load.request({ op: 'close' }, 60_000);
    log(`idle: ${spec.name} measured in ${Math.round(performance.now() - t0)} ms`);
    return { before, after, opened };
  } finally {
    await server.stop();
  }
}

export async function idle(stack: BenchStack): Promise<BenchReport> {
  const n = CONFIG.connections;
  checkDescriptorLimit(n);
  const cases = CASES.filter((spec) => CONFIG.cases?.has(spec.name) ?? true);
  log(`idle: ${n} users with sessions`);
  const t0 = performance.now();
  const tokens = (await createMembers(stack, n)).map((member) => member.token);
  log(`idle: users made in ${Math.round(performance.now() - t0)} ms`);
  const load = new LoadProcess<LoadRequest>(new URL('./load.ts', import.meta.url));
  const rows: Array<Record<string, Cell>> = [];
  const facts: Record<string, Cell> = {};
  try {
    for (const spec of cases) {
      log(`idle: ${spec.name}, ${n} sockets`);
      const { before, after, opened } = await runCase(stack, load, tokens, spec);
      const per = (key: keyof MemorySample) => kbPer(after[key] - before[key], n);
      rows.push({
        case: `${spec.system === 'chorus' ? 'Chorus, events.subscribe' : 'plain ws'}, compression ${spec.compression ? 'on' : 'off'}`,
        connections: n,
        deflated: opened.deflated,
        'open s': Number((opened.ms / 1000).toFixed(1)),
        'rss before MB': mb(before.rss),
        'rss after MB': mb(after.rss),
        'rss KB/conn': per('rss'),
        'rss − young gen KB/conn': kbPer(after.rss - after.youngGen - (before.rss - before.youngGen), n),
        'heap + external KB/conn': kbPer(after.heapUsed + after.external - before.heapUsed - before.external, n),
        'heap KB/conn': per('heapUsed'),
        'external KB/conn': per('external'),
        'arrayBuffers KB/conn': per('arrayBuffers'),
        'fds held': after.sockets - before.sockets,
        'quiet after s': Number((after.quietMs / 1000).toFixed(1)),
      });
      if (spec.name === 'chorus-off') {
        const held = kbPer(after.heapUsed + after.external - before.heapUsed - before.external, n);
        facts[`goal: heap + external ≤ ${CONFIG.goalKb} KB/conn, compression off`] =
          held <= CONFIG.goalKb && per('rss') <= CONFIG.goalKb ? 'met (rss too)' : held <= CONFIG.goalKb ? 'met (rss not)' : 'missed';
      }
    }
  } finally {
    await load.stop();
  }
  return {
    bench: 'idle',
    rows,
    facts,
    notes: [
      `each case in a server process of its own; memory before the sockets opened (after ${CONFIG.warmup} opened and closed) and ${CONFIG.settleMs} ms after all were open, each once the server used < 5 % of a core for a second, the median of 3 readings after memory-reducing GCs (HeapProfiler.collectGarbage); per connection = (after − before) ÷ connections; rss is what a host pays (zlib's windows are in it alone; read it at 10,000 connections); heap + external (V8's heap and its Buffers) is stable within a few % between runs, the figure to judge a change by`,
      'Chorus: every socket a user of its own, signed in by connectionParams, holding one events.subscribe (ready at its first event, the presence snapshot); plain ws: one frame each way',
      "young gen: V8's new space as committed at the reading (the server runs with --max-semi-space-size=64, as pnpm start does); the memory-reducing GC shrinks it to its minimum in both readings",
      'compression on: the clients offer permessage-deflate as browsers do and compress every frame they send; zlib output Buffers are in external, its windows and hash tables in rss only',
    ],
  };
}
