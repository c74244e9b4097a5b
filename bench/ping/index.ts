import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { sized } from '../lib/env';
import { log } from '../lib/harness';
import { wsHeldSubscriptions, wsSubscribeLatency } from './ws';
import { percentiles, perSecond } from '../lib/stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';
import { OBS_CONFIG } from '../lib/observability';
import { pingObservability } from './observability';

const SEQUENTIAL = sized({ warmup: 200, calls: 2000, maxMs: 20_000 }, { warmup: 10, calls: 50, maxMs: 5_000 });
const CONCURRENCY = sized([1, 50, 200], [1, 10]);
const WINDOW_MS = sized(3000, 300);
/** A ceiling on calls per caller, so a pathologically fast path still ends by count. */
const MAX_CALLS_PER_CALLER = 200_000;

/** `system.ping` over HTTP and over WebSocket, and `system.clock` subscriptions, through the real typed client. */
export async function ping(stack: BenchStack): Promise<BenchReport> {
  if (OBS_CONFIG.only) return { bench: 'ping', ...(await pingObservability(stack)) };
  const rows: Array<Record<string, Cell>> = [];
  for (const calls of ['http', 'websocket'] as const) {
    log(`ping: ${calls} sequential`);
    rows.push(await sequential(stack.url, calls));
    for (const callers of CONCURRENCY) {
      log(`ping: ${calls} ${callers} concurrent callers for ${WINDOW_MS} ms`);
      rows.push(await concurrent(stack.url, calls, callers));
    }
  }
  log('ping: ws subscribe latency');
  const subscribe = await wsSubscribeLatency(stack.url, true);
  const resubscribe = await wsSubscribeLatency(stack.url, false);
  rows.push(subscribe.row, resubscribe.row);
  log('ping: ws held subscriptions');
  const held = await wsHeldSubscriptions(stack.url);
  rows.push(held.row);
  const observability = OBS_CONFIG.enabled ? await pingObservability(stack) : { rows: [], facts: {}, notes: [] };
  rows.push(...observability.rows);
  return {
    bench: 'ping',
    rows,
    facts: { ...subscribe.facts, ...resubscribe.facts, ...held.facts, ...observability.facts },
    notes: [
      'latencies in ms, measured in the client from call to result (nearest-rank percentiles)',
      'http: one typed client per concurrent caller, so httpBatchLink never merges their calls',
      "websocket: the same calls with the client's calls: 'websocket' (each client its own socket, opened before the window)",
      'the server runs in this process: clients and server share one event loop (one core), so calls/s is a floor for the server alone',
      ...held.notes,
      ...observability.notes,
    ],
  };
}

type Calls = 'http' | 'websocket';

async function sequential(url: string, calls: Calls): Promise<Record<string, Cell>> {
  const client = createBenchClient(url, { calls });
  try {
    for (let i = 0; i < SEQUENTIAL.warmup; i++) await client.system.ping.query();
    const samples: number[] = [];
    const started = performance.now();
    const deadline = started + SEQUENTIAL.maxMs;
    while (samples.length < SEQUENTIAL.calls && performance.now() < deadline) {
      const t0 = performance.now();
      await client.system.ping.query();
      samples.push(performance.now() - t0);
    }
    const elapsed = performance.now() - started;
    return { case: `${calls} sequential`, callers: 1, calls: samples.length, 'calls/s': perSecond(samples.length, elapsed), ...percentiles(samples) };
  } finally {
    await closeChorusClient(client);
  }
}

async function concurrent(url: string, calls: Calls, callers: number): Promise<Record<string, Cell>> {
  const clients: ChorusClient[] = Array.from({ length: callers }, () => createBenchClient(url, { calls }));
  try {
    // Connection setup is paid before the window opens: the window measures steady state.
    await Promise.all(clients.map((client) => client.system.ping.query()));
    const samples: number[] = [];
    const started = performance.now();
    const deadline = started + WINDOW_MS;
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < MAX_CALLS_PER_CALLER && performance.now() < deadline; i++) {
          const t0 = performance.now();
          await client.system.ping.query();
          samples.push(performance.now() - t0);
        }
      }),
    );
    // Callers finish their last call after the deadline; count the real elapsed time.
    const elapsed = performance.now() - started;
    return { case: `${calls} concurrent`, callers, calls: samples.length, 'calls/s': perSecond(samples.length, elapsed), ...percentiles(samples) };
  } finally {
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}
