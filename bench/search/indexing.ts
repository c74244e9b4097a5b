// Persisted sends with message indexing on vs off: two forked instances (search/instance.ts) on
// the same database and Redis, one with the search engine indexing, one with it switched off,
// each with direct conversations of its own whose members' sockets are connected to it alone.
// Closed-loop senders (the fanout load process, fanout/load.ts) send chat.send and wait for the
// acknowledgement (the message stored), again and again, with chat-like text from the search
// corpus; the two instances take turns in alternating windows, so drift of the machine falls on
// both alike. Stored messages per second are counted in the database.
import { messageText } from './corpus';
import { SEARCH_CONFIG } from './config';
import { INDEXING_SWITCH, indexBacklog, type IndexingMode } from './engine';
import { CONFIG as FANOUT } from '../fanout/config';
import type { ClosedLoopSpec, LoadRequest, LoadResult, ReceiverSpec } from '../fanout/protocol';
import { envNumber, sized } from '../lib/env';
import { log, type BenchReport, type BenchStack, type Cell } from '../lib/harness';
import { listening, LoadProcess, stopChild } from '../lib/load-process';
import { createMembers, inParallel, type Member } from '../lib/members';
import { cpuTicks } from '../lib/process-cpu';
import { chorusWs } from '../lib/trpc-wire';
import { closeChorusClient, createBenchClient } from '../lib/workspace';
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const MODES: readonly IndexingMode[] = ['off', 'on'];
const LABEL: Record<IndexingMode, string> = { off: 'indexing off', on: 'indexing on' };
const SETTINGS = {
  /** Direct conversations per instance, one closed-loop sender each (as fanout's persisted sends, which use 256 over one instance). */
  senders: Math.floor(envNumber('BENCH_SEARCH_SENDERS', sized(128, 4))),
  rounds: Math.floor(envNumber('BENCH_SEARCH_ROUNDS', sized(5, 1))),
  windowMs: envNumber('BENCH_SEARCH_WINDOW_MS', sized(3000, 300)),
};

interface Instance {
  mode: IndexingMode;
  url: string;
  pid: number;
  child: ChildProcess;
}

async function startInstance(stack: BenchStack, mode: IndexingMode): Promise<Instance> {
  const child = fork(new URL('./instance.ts', import.meta.url), [stack.databaseUrl, stack.redisUrl, mode]);
  const ready = await listening<{ url: string }>(child, `${LABEL[mode]} instance`);
  return { mode, url: ready.url, pid: child.pid ?? 0, child };
}

async function openDirects(stack: BenchStack, pairs: Array<[Member, Member]>): Promise<number[]> {
  const ids: number[] = [];
  await inParallel(pairs, 16, async ([a, b], index) => {
    const client = createBenchClient(stack.url, { token: a.token });
    try {
      ids[index] = (await client.chat.openDirect.mutate({ userId: b.id })).conversationId;
    } finally {
      await closeChorusClient(client);
    }
  });
  return ids;
}

/**
 * Shows that the switch did what it says: whether chat.search (on the harness's server, within
 * the conversation) finds the last message its first sender sent, by its longest Latin word (else
 * its first two Chinese characters).
 */
async function lastMessageFound(stack: BenchStack, spec: ClosedLoopSpec): Promise<string> {
  const sender = spec.senders[0];
  if (!sender?.token) return '-';
  const [[last]] = (await stack.deps.db.$client.query('SELECT id, text FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT 1', [
    sender.conversationId,
  ])) as unknown as [Array<{ id: number; text: string }>];
  const words = last?.text.split('|')[4] ?? '';
  const word = words.match(/[a-z]{3,}/gi)?.sort((a, b) => b.length - a.length)[0] ?? /[\u4e00-\u9fff]{2}/.exec(words)?.[0];
  if (!last || !word) return 'no word to look for';
  const client = createBenchClient(stack.url, { token: sender.token });
  try {
    const page = await client.chat.search.query({ query: word, conversationId: sender.conversationId, limit: 50 });
    return page.items.some((item) => item.message.id === Number(last.id)) ? 'yes' : 'no';
  } catch (error) {
    return `failed (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await closeChorusClient(client);
  }
}

const cpuSeconds = (pid: number) => (cpuTicks(pid) ?? Number.NaN) / 100;

export async function indexingComparison(stack: BenchStack): Promise<Pick<BenchReport, 'rows' | 'facts' | 'notes'>> {
  const pool = stack.deps.db.$client;
  const rows: Array<Record<string, Cell>> = [];
  const facts: Record<string, Cell> = {};
  const { senders, rounds, windowMs } = SETTINGS;
  log(`search: indexing on vs off: ${MODES.length} instances, ${senders} direct conversations each`);
  const everyone = await createMembers(stack, senders * 2 * MODES.length);
  const instances: Instance[] = [];
  const load = new LoadProcess<LoadRequest>(new URL('../fanout/load.ts', import.meta.url));
  // Chat-like words after each message's timestamp, so the index has a sentence to take apart.
  const texts = Array.from({ length: 512 }, (_, n) => messageText(SEARCH_CONFIG.seed + 7, n));
  try {
    const specs = new Map<IndexingMode, ClosedLoopSpec>();
    const receivers: ReceiverSpec[] = [];
    for (const [index, mode] of MODES.entries()) {
      const instance = await startInstance(stack, mode);
      instances.push(instance);
      const members = everyone.slice(index * senders * 2, (index + 1) * senders * 2);
      const pairs = Array.from({ length: senders }, (_, i) => [members[2 * i]!, members[2 * i + 1]!] as [Member, Member]);
      const conversations = await openDirects(stack, pairs);
      for (const member of members) receivers.push({ userId: member.id, url: chorusWs(instance.url), token: member.token });
      specs.set(mode, {
        system: 'chorus',
        senders: pairs.map((pair, i) => ({
          userId: pair[i % 2]!.id,
          conversationId: conversations[i]!,
          token: pair[i % 2]!.token,
          url: instance.url,
          calls: 'websocket',
        })),
        durationMs: windowMs,
        drainMs: FANOUT.drainMs,
        fanout: 2,
        texts,
      });
    }
    const connected = await load.request<{ connected: number; ms: number }>(
      { op: 'connect', system: 'chorus', receivers, concurrency: FANOUT.connect.concurrency, timeoutMs: FANOUT.connect.timeoutMs },
      FANOUT.connect.timeoutMs * 4,
    );
    facts['indexing: receivers connected'] = `${connected.connected} in ${(connected.ms / 1000).toFixed(1)} s`;
    await load.request({ op: 'settle', ...FANOUT.settle }, FANOUT.settle.maxMs + 30_000);

    const totals = new Map<IndexingMode, { stored: number; acked: number; elapsedMs: number; cpu: number; errors: number; p50: number[]; p99: number[] }>(
      MODES.map((mode) => [mode, { stored: 0, acked: 0, elapsedMs: 0, cpu: 0, errors: 0, p50: [], p99: [] }]),
    );
    const backlog = { windows: 0, left: 0, drainMs: 0 };
    /** Waits (≤ 60 s) until the indexer has caught up, so no window pays for the one before; how long it took. */
    const caughtUp = async (): Promise<number> => {
      const started = performance.now();
      while ((await indexBacklog(stack)) > 0 && performance.now() - started < 60_000) await sleep(50);
      return performance.now() - started;
    };
    const window = async (instance: Instance, measured: boolean) => {
      await load.request({ op: 'settle', ...FANOUT.betweenSteps }, FANOUT.betweenSteps.maxMs + 70_000);
      await caughtUp();
      const [[top]] = (await pool.query('SELECT COALESCE(MAX(id), 0) AS id FROM messages')) as unknown as [Array<{ id: number }>];
      let cpuStart = Number.NaN;
      let cpuUsed = Number.NaN;
      load.onMark = (mark) => {
        if (mark === 'window-start') cpuStart = cpuSeconds(instance.pid);
        else cpuUsed = cpuSeconds(instance.pid) - cpuStart;
      };
      const result = await load.request<LoadResult>({ op: 'closed', spec: specs.get(instance.mode)! }, 120_000);
      const left = await indexBacklog(stack);
      const drainMs = await caughtUp();
      const [[counted]] = (await pool.query('SELECT COUNT(*) AS n FROM messages WHERE id > ?', [Number(top?.id ?? 0)])) as unknown as [Array<{ n: number }>];
      if (!measured) return;
      if (instance.mode === 'on') Object.assign(backlog, { windows: backlog.windows + 1, left: backlog.left + left, drainMs: backlog.drainMs + drainMs });
      const total = totals.get(instance.mode)!;
      total.stored += Number(counted?.n ?? 0);
      total.acked += Math.round((result.sendsPerSec * result.elapsedMs) / 1000);
      total.elapsedMs += result.elapsedMs;
      total.cpu += cpuUsed;
      total.errors += result.sendErrors;
      total.p50.push(result.ack.p50);
      total.p99.push(result.ack.p99);
      log(
        `search: ${LABEL[instance.mode]}: ${result.sendsPerSec} acked/s, ack p99 ${result.ack.p99} ms, errors ${result.sendErrors}${result.firstError ? ` (${result.firstError})` : ''}`,
      );
    };
    // One unmeasured window each warms both; then the order alternates each round.
    for (const instance of instances) await window(instance, false);
    log(`search: indexing on vs off: ${rounds} rounds of ${windowMs} ms closed-loop windows, ${senders} senders each`);
    for (let round = 0; round < rounds; round++) for (let i = 0; i < instances.length; i++) await window(instances[(i + round) % instances.length]!, true);

    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const storedPerSec = new Map<IndexingMode, number>();
    const perCpuSecond = new Map<IndexingMode, number>();
    for (const mode of MODES) {
      const total = totals.get(mode)!;
      const perSec = Math.round((total.stored * 1000) / Math.max(1, total.elapsedMs));
      storedPerSec.set(mode, perSec);
      perCpuSecond.set(mode, total.stored / Math.max(total.cpu, 1e-9));
      rows.push({
        case: `persisted sends: ${senders} closed-loop senders, direct, chat.send over WebSocket`,
        system: LABEL[mode],
        'stored/s': perSec,
        'ack p50 (median window)': median(total.p50),
        'ack p99 (median window)': median(total.p99),
        errors: total.errors,
        'instance CPU ms/msg': Number(((total.cpu * 1000) / Math.max(1, total.stored)).toFixed(3)),
        'instance CPU %': Math.round((total.cpu / (total.elapsedMs / 1000)) * 100),
      });
    }
    const ratio = (storedPerSec.get('on') ?? 0) / Math.max(1, storedPerSec.get('off') ?? 0);
    const goal = SEARCH_CONFIG.goals.indexingRatio;
    facts['goal: persisted sends, indexing on ÷ off (stored/s)'] = INDEXING_SWITCH
      ? `${ratio.toFixed(3)}× (goal ≥ ${goal}×, ${ratio >= goal ? 'met' : 'MISSED'})`
      : `${ratio.toFixed(3)}× — not a measurement: this build has no switch to turn indexing off, both instances ran alike`;
    facts['indexing: messages still queued for indexing when an "on" window ended / caught up within (means)'] =
      backlog.windows > 0 ? `${Math.round(backlog.left / backlog.windows)} / ${Math.round(backlog.drainMs / backlog.windows)} ms` : '-';
    facts['indexing: messages per instance CPU second, on ÷ off'] =
      `${((perCpuSecond.get('on') ?? 0) / Math.max(1e-9, perCpuSecond.get('off') ?? 0)).toFixed(3)}×`;
    facts['indexing: the last message of the first conversation found by chat.search, on / off (expected: yes / no)'] = (
      await Promise.all((['on', 'off'] as const).map((mode) => lastMessageFound(stack, specs.get(mode)!)))
    ).join(' / ');
  } finally {
    await load.request({ op: 'disconnect' }, 60_000).catch(() => {});
    await load.stop();
    await Promise.all(instances.map((instance) => stopChild(instance.child, () => instance.child.send('stop'))));
  }
  return {
    rows,
    facts,
    notes: [
      `indexing rows: two forked instances on the same database and Redis, indexing on and off, each with ${senders} direct conversations of its own whose members' sockets are connected to it alone; a closed-loop sender per conversation sends chat.send on its socket and waits for the acknowledgement, with a sentence of the search corpus in each message; ${rounds} alternating rounds of ${windowMs} ms windows after one unmeasured window each; before each window the benchmark waits until the index queue is empty, so a window never pays for the indexing of the one before (the facts give what an "on" window left queued and how long the indexer took to catch up); stored/s counted in the database; "instance CPU" is the instance's process between the load process's window marks (work an instance leaves to a background worker elsewhere is not in it, but is in stored/s: the machine is shared)`,
    ],
  };
}
