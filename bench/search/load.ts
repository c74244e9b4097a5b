// The search benchmark's load process, forked by search/index.ts: the searcher's calls run here,
// on a minimal socket speaking tRPC's messages (lib/trpc-wire.ts, one JSON.parse per answer,
// offering permessage-deflate as browsers do), as the history benchmark measures chat.history. So
// chat.search and chat.history are timed the same way, one after the other, in the same run.
import { TrpcWire } from '../lib/trpc-wire';
import { serveLoadRequests } from '../lib/load-process';

export type SearchCall =
  { kind: 'search'; label: string; query: string; limit: number } | { kind: 'history'; label: string; conversationId: number; beforeId: number; limit: number };

export interface SearchCalls {
  op: 'sequential';
  url: string;
  token: string;
  warmup: SearchCall[];
  calls: SearchCall[];
  /** Stop taking new calls after this long. */
  windowMs: number;
}

export interface SearchCallsResult {
  /** Per call made (in order): its label, ms, and the items its answer held. */
  samples: Array<{ label: string; ms: number; items: number }>;
  errors: number;
  firstError?: string;
}

async function call(socket: TrpcWire, spec: SearchCall): Promise<number> {
  if (spec.kind === 'search') {
    const data = (await socket.query('chat.search', { query: spec.query, limit: spec.limit })) as { json?: { items?: unknown[] } } | undefined;
    if (!Array.isArray(data?.json?.items)) throw new Error('search: the answer holds no items');
    return data.json.items.length;
  }
  const data = await socket.query('chat.history', { conversationId: spec.conversationId, beforeId: spec.beforeId, limit: spec.limit });
  if (!Array.isArray(data?.json)) throw new Error('history: the answer holds no page');
  return data.json.length;
}

async function run(spec: SearchCalls): Promise<SearchCallsResult> {
  const socket = await TrpcWire.open(spec.url, spec.token, { deflate: true });
  const result: SearchCallsResult = { samples: [], errors: 0 };
  try {
    // A failing warm-up call is the measured calls' failure too; they report it.
    for (const warm of spec.warmup) await call(socket, warm).catch(() => {});
    const deadline = performance.now() + spec.windowMs;
    for (const one of spec.calls) {
      if (performance.now() > deadline) break;
      const t0 = performance.now();
      try {
        const items = await call(socket, one);
        result.samples.push({ label: one.label, ms: performance.now() - t0, items });
      } catch (error) {
        result.errors++;
        result.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
    return result;
  } finally {
    socket.close();
  }
}

serveLoadRequests<SearchCalls>(run);
