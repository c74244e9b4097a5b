import { setTimeout as sleep } from 'node:timers/promises';
import { exposeGc } from '../lib/process-cpu';
import { sized } from '../lib/env';
import type { Cell } from '../lib/harness';
import { megabytes, percentiles, perSecond, withTimeout } from '../lib/stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

const SUBSCRIBE = sized({ count: 200, maxMs: 15_000, tickTimeoutMs: 5_000, idleGapMs: 10 }, { count: 10, maxMs: 5_000, tickTimeoutMs: 10_000, idleGapMs: 10 });
const HOLD = sized(
  { clients: 500, intervalMs: 1000, allTimeoutMs: 30_000, observeMs: 2_000 },
  { clients: 20, intervalMs: 1000, allTimeoutMs: 30_000, observeMs: 1_000 },
);

interface WsResult {
  row: Record<string, Cell>;
  facts: Record<string, Cell>;
  notes: string[];
}

interface Held {
  /** ms from subscribe() to the first tick. */
  first: Promise<number>;
  unsubscribe(): void;
}

function holdClock(client: ChorusClient, intervalMs: number, onTick?: () => void): Held {
  const started = performance.now();
  let resolveFirst: (ms: number) => void = () => {};
  let rejectFirst: (error: unknown) => void = () => {};
  const first = new Promise<number>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  const subscription = client.system.clock.subscribe(
    { intervalMs },
    {
      onData: () => {
        resolveFirst(performance.now() - started);
        onTick?.();
      },
      onError: (error) => rejectFirst(error),
    },
  );
  return { first, unsubscribe: () => subscription.unsubscribe() };
}

/**
 * Sequential subscribe → first tick → unsubscribe. The client closes its socket once the last
 * subscription has ended for a macrotask (lazy, closeMs 0). With `reuseSocket` a long-interval
 * subscription held throughout keeps one socket open, so samples measure the subscription
 * alone; without it a short pause after each unsubscribe lets the socket close, so every sample
 * also pays a new connection, as a user returning after a moment does.
 */
export async function wsSubscribeLatency(url: string, reuseSocket: boolean): Promise<WsResult> {
  let opens = 0;
  const client = createBenchClient(url, { onSocketOpen: () => void opens++ });
  const keeper = reuseSocket ? holdClock(client, 60_000) : undefined;
  try {
    if (keeper) await withTimeout(keeper.first, SUBSCRIBE.tickTimeoutMs, 'keeper subscription');
    const samples: number[] = [];
    const count = reuseSocket ? SUBSCRIBE.count : SUBSCRIBE.count / 2;
    const deadline = performance.now() + SUBSCRIBE.maxMs;
    while (samples.length < count && performance.now() < deadline) {
      const held = holdClock(client, HOLD.intervalMs);
      try {
        samples.push(await withTimeout(held.first, SUBSCRIBE.tickTimeoutMs, 'first clock tick'));
      } finally {
        held.unsubscribe();
      }
      if (!reuseSocket) await sleep(SUBSCRIBE.idleGapMs);
    }
    const label = reuseSocket ? 'one open socket' : `idle ${SUBSCRIBE.idleGapMs} ms between`;
    return {
      row: { case: `ws subscribe→first tick, ${label}`, callers: 1, calls: samples.length, ...percentiles(samples) },
      facts: { [`ws sockets opened, ${label}`]: opens },
      notes: [],
    };
  } finally {
    keeper?.unsubscribe();
    await closeChorusClient(client);
  }
}

const signed = (mb: number): string => (mb >= 0 ? `+${mb}` : String(mb));

/** Many users, each with their own socket and one clock subscription, all at once. */
export async function wsHeldSubscriptions(url: string): Promise<WsResult> {
  const gc = exposeGc();
  const memory = () => {
    gc?.();
    return process.memoryUsage();
  };
  const before = memory();
  const clients = Array.from({ length: HOLD.clients }, () => createBenchClient(url));
  let ticks = 0;
  const started = performance.now();
  const held = clients.map((client) => holdClock(client, HOLD.intervalMs, () => void ticks++));
  try {
    const firsts = await withTimeout(Promise.all(held.map((h) => h.first)), HOLD.allTimeoutMs, `${HOLD.clients} subscriptions`);
    const allMs = performance.now() - started;
    const after = memory();
    // Ticks keep coming for everyone: about clients × (1000 / intervalMs) per second.
    const ticksBefore = ticks;
    const windowStart = performance.now();
    await sleep(HOLD.observeMs);
    const tickRate = perSecond(ticks - ticksBefore, performance.now() - windowStart);
    return {
      row: { case: 'ws first tick, all subscribing at once', callers: HOLD.clients, calls: firsts.length, ...percentiles(firsts) },
      facts: {
        'ws held subscriptions': HOLD.clients,
        'ws ms until all had their first tick': Math.round(allMs),
        [`ws ticks/s while held (expect ~${(HOLD.clients * 1000) / HOLD.intervalMs})`]: tickRate,
        'process rss MB before → after': `${megabytes(before.rss)} → ${megabytes(after.rss)} (${signed(megabytes(after.rss - before.rss))})`,
        'process heapUsed MB before → after': `${megabytes(before.heapUsed)} → ${megabytes(after.heapUsed)} (${signed(megabytes(after.heapUsed - before.heapUsed))})`,
        'heapUsed KB per held subscription (client + server side)': Math.round((after.heapUsed - before.heapUsed) / 1024 / HOLD.clients),
      },
      notes: [
        `memory is process.memoryUsage() of this one process: server and all ${HOLD.clients} clients (sockets, tRPC clients) together`,
        gc ? 'memory read after a forced full GC' : 'memory read WITHOUT a forced GC: heap figures are mostly garbage',
        'read heapUsed: rss also holds what earlier phases left, and falls when the GC hands it back',
      ],
    };
  } finally {
    for (const h of held) h.unsubscribe();
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}
