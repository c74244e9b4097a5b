// What @trpc/client's batching timer costs a Node caller (patches/README.md):
//
//   node scripts/bootstrap.mjs tsx packages/client/scripts/call-latency.ts [calls per round] [rounds]
//
// One process runs a minimal tRPC server (HTTP and WebSocket adapters, one `ping` query) and
// calls it sequentially through httpBatchLink and wsLink, in rounds that alternate two modes:
// "as installed", and "setImmediate", where a zero-delay setTimeout (what httpBatchLink and wsLink
// wait before each batch) is routed to setImmediate, as the upstream change does. Alternating
// rounds share the machine's load, so the difference of their medians is the timer's cost.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import WebSocket, { WebSocketServer } from 'ws';

const callsPerRound = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 6);

const t = initTRPC.create();
const router = t.router({ ping: t.procedure.query(() => 'pong') });

const server = createServer(createHTTPHandler({ router }));
const wss = new WebSocketServer({ server });
applyWSSHandler({ wss, router });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const http = createTRPCClient<typeof router>({ links: [httpBatchLink({ url: `http://127.0.0.1:${port}` })] });
const wsClient = createWSClient({ url: `ws://127.0.0.1:${port}`, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
const ws = createTRPCClient<typeof router>({ links: [wsLink({ client: wsClient })] });

const realSetTimeout = globalThis.setTimeout;
function routeZeroDelayTimers(on: boolean): void {
  globalThis.setTimeout = on
    ? (((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
        delay ? realSetTimeout(() => callback(...args), delay) : setImmediate(() => callback(...args))) as unknown as typeof setTimeout)
    : realSetTimeout;
}

async function sequential(call: () => Promise<unknown>, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

const transports = { http: () => http.ping.query(), websocket: () => ws.ping.query() };
const modes = ['as installed', 'setImmediate'] as const;
const samples = new Map<string, number[]>();
for (const call of Object.values(transports)) await sequential(call, 200); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const mode of round % 2 ? [...modes].reverse() : modes) {
    routeZeroDelayTimers(mode === 'setImmediate');
    for (const [name, call] of Object.entries(transports)) {
      const key = `${name} | ${mode}`;
      samples.set(key, [...(samples.get(key) ?? []), ...(await sequential(call, callsPerRound))]);
    }
    routeZeroDelayTimers(false);
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
console.log(`sequential ping calls, ${rounds} alternating rounds of ${callsPerRound} per mode and transport; ms`);
console.log('| transport | mode | calls | p50 | p90 | p99 |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const [key, values] of [...samples].sort(([a], [b]) => a.localeCompare(b))) {
  const sorted = [...values].sort((a, b) => a - b);
  const [transport, mode] = key.split(' | ');
  console.log(`| ${transport} | ${mode} | ${sorted.length} | ${[50, 90, 99].map((p) => percentile(sorted, p).toFixed(2)).join(' | ')} |`);
}

await wsClient.close();
wss.close();
server.close();
server.closeAllConnections();
