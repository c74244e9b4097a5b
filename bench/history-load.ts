// The history case's load process, forked by fanout-history.ts: the typed clients calling
// chat.history run here, so their fetch and parsing do not share the server's event loop.
import type { ChorusCalls } from './fanout-protocol';
import { serveLoadRequests } from './load-process';
import { percentiles, perSecond } from './stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from './workspace';

export interface HistoryCalls {
  op: 'sequential' | 'concurrent';
  url: string;
  /** How the typed client sends its queries (its `calls` option). */
  transport: ChorusCalls;
  /** Callers take these tokens in turn. */
  tokens: string[];
  conversationId: number;
  minId: number;
  maxId: number;
  page: number;
  callers: number;
  warmupCalls: number;
  /** At most this many calls per caller, within `windowMs`. */
  calls: number;
  windowMs: number;
}

export interface HistoryCallsResult {
  samples: number;
  percentiles: ReturnType<typeof percentiles>;
  callsPerSecond: number;
}

async function run(spec: HistoryCalls): Promise<HistoryCallsResult> {
  const randomBefore = () => spec.minId + 1 + Math.floor(Math.random() * (spec.maxId - spec.minId + 1));
  const call = async (client: ChorusClient, beforeId: number) => {
    const page = await client.chat.history.query({ conversationId: spec.conversationId, beforeId, limit: spec.page });
    const expected = Math.min(spec.page, beforeId - spec.minId);
    if (page.length !== expected) throw new Error(`history: ${page.length} messages before ${beforeId}, expected ${expected}`);
  };
  const clients = Array.from({ length: spec.callers }, (_, i) => createBenchClient(spec.url, { token: spec.tokens[i % spec.tokens.length]!, calls: spec.transport }));
  try {
    for (const client of clients) for (let i = 0; i < spec.warmupCalls; i++) await call(client, randomBefore());
    const samples: number[] = [];
    const started = performance.now();
    const deadline = started + spec.windowMs;
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < spec.calls && performance.now() < deadline; i++) {
          const beforeId = randomBefore();
          const t0 = performance.now();
          await call(client, beforeId);
          samples.push(performance.now() - t0);
        }
      }),
    );
    return { samples: samples.length, percentiles: percentiles(samples), callsPerSecond: perSecond(samples.length, performance.now() - started) };
  } finally {
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}

serveLoadRequests<HistoryCalls>(run);
