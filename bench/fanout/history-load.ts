// The history case's load process, forked by fanout/history.ts: the clients calling
// chat.history run here, so their fetch and parsing do not share the server's event loop.
// Either the typed client (its `calls` option: on its socket, or over HTTP), or `frames`: a
// minimal socket speaking the same tRPC messages (lib/trpc-wire.ts), one JSON.parse per answer,
// as the fanout receivers do, offering permessage-deflate as browsers do. `frames-ping` calls
// system.ping on such a socket instead: the floor any call has on this machine.
import { TrpcWire } from '../lib/trpc-wire';
import type { ChorusCalls } from './protocol';
import { serveLoadRequests } from '../lib/load-process';
import { percentiles, perSecond } from '../lib/stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

export type HistoryTransport = ChorusCalls | 'frames' | 'frames-ping';

export interface HistoryCalls {
  op: 'sequential' | 'concurrent';
  url: string;
  /** How the typed client sends its queries (its `calls` option), or `frames` (a minimal socket, no typed client; `frames-ping`: system.ping on it). */
  transport: HistoryTransport;
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
  /** CPU time of this process (all its threads: inflate, GC) per measured call. */
  clientCpuMsPerCall: number;
  percentiles: ReturnType<typeof percentiles>;
  callsPerSecond: number;
}

/** Makes one call and checks its answer. */
interface Caller {
  call(beforeId: number): Promise<void>;
  close(): Promise<void>;
}

function checkPage(spec: HistoryCalls, beforeId: number, length: number): void {
  const expected = Math.min(spec.page, beforeId - spec.minId);
  if (length !== expected) throw new Error(`history: ${length} messages before ${beforeId}, expected ${expected}`);
}

function typedCaller(spec: HistoryCalls, token: string, calls: ChorusCalls): Caller {
  const client: ChorusClient = createBenchClient(spec.url, { token, calls });
  return {
    call: async (beforeId) =>
      checkPage(spec, beforeId, (await client.chat.history.query({ conversationId: spec.conversationId, beforeId, limit: spec.page })).length),
    close: () => closeChorusClient(client),
  };
}

async function framesCaller(spec: HistoryCalls, token: string): Promise<Caller> {
  const socket = await TrpcWire.open(spec.url, token, { deflate: true });
  return {
    async call(beforeId) {
      const data = await socket.query('chat.history', { conversationId: spec.conversationId, beforeId, limit: spec.page });
      if (!Array.isArray(data?.json)) throw new Error('history: the answer holds no page');
      checkPage(spec, beforeId, data.json.length);
    },
    close: async () => socket.close(),
  };
}

/** system.ping on a minimal socket: the floor of any call. */
async function pingCaller(spec: HistoryCalls, token: string): Promise<Caller> {
  const socket = await TrpcWire.open(spec.url, token, { deflate: true });
  return {
    async call() {
      const data = (await socket.query('system.ping', undefined)) as { json?: { requestId?: unknown } } | undefined;
      if (typeof data?.json?.requestId !== 'string') throw new Error('history: system.ping gave no request id');
    },
    close: async () => socket.close(),
  };
}

const callerFor = async (spec: HistoryCalls, token: string): Promise<Caller> =>
  spec.transport === 'frames'
    ? framesCaller(spec, token)
    : spec.transport === 'frames-ping'
      ? pingCaller(spec, token)
      : typedCaller(spec, token, spec.transport);

async function run(spec: HistoryCalls): Promise<HistoryCallsResult> {
  const randomBefore = () => spec.minId + 1 + Math.floor(Math.random() * (spec.maxId - spec.minId + 1));
  const clients = await Promise.all(Array.from({ length: spec.callers }, (_, i) => callerFor(spec, spec.tokens[i % spec.tokens.length]!)));
  try {
    for (const client of clients) for (let i = 0; i < spec.warmupCalls; i++) await client.call(randomBefore());
    const samples: number[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + spec.windowMs;
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < spec.calls && performance.now() < deadline; i++) {
          const beforeId = randomBefore();
          const t0 = performance.now();
          await client.call(beforeId);
          samples.push(performance.now() - t0);
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    return {
      samples: samples.length,
      clientCpuMsPerCall: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, samples.length)) * 100) / 100,
      percentiles: percentiles(samples),
      callsPerSecond: perSecond(samples.length, performance.now() - started),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

serveLoadRequests<HistoryCalls>(run);
