// The server process of the idle benchmark, forked once per case so its memory is that of the
// sockets it holds and nothing else: a Chorus instance on the stack's database and Redis (as
// lib/observed-instance.ts starts one), with permessage-deflate offered or not, or the plain `ws`
// baseline. Starts on `start` (answering with its URL), answers `memory` (once it is quiet, after memory-reducing GCs) and
// exits when the parent goes away. Prints nothing.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { WebSocketServer } from 'ws';
import { serveLoadRequests } from '../lib/load-process';
import type { MemorySample, ServerRequest, ServerStart } from './protocol';
import { redisTarget } from '../lib/redis-target';

async function startChorus({ compression, databaseUrl, redisUrl }: ServerStart): Promise<string> {
  // Loaded here: the baseline's process starts without the workspace.
  const ws = await import('../lib/workspace');
  const { serverLogLevel } = await import('../lib/harness');
  const db = ws.createDb(databaseUrl, { poolSize: 10 });
  const logger = ws.createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
  const redis = ws.createRedis(redisTarget(redisUrl), logger);
  const deps = await ws.createAppDeps({ db, redis, logger, clock: ws.systemClock });
  return (await ws.startServer(deps, ws.loopbackServerConfig({ wsCompression: compression }))).url;
}

/**
 * The least a Node process holds for an open socket: `ws` with its defaults (with compression,
 * permessage-deflate as `ws` configures it, every frame compressed so its contexts exist), one
 * frame sent on each socket.
 */
async function startWsBaseline({ compression }: ServerStart): Promise<string> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024, perMessageDeflate: compression ? { threshold: 0 } : false });
  wss.on('connection', (socket) => {
    socket.on('message', () => {});
    socket.send('{"ready":1}');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/** Open sockets of this process (every client's, the listener, pools): the same before and after but for the clients. */
function openSockets(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Waits until this process has used under 5 % of a core for a whole second (at most `maxMs`): no start-up work of a subscription left. */
async function quiet(maxMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await sleep(1000);
    const { user, system } = process.cpuUsage(before);
    if ((user + system) / 1e6 < 0.05 || performance.now() - t0 > maxMs) return Math.round(performance.now() - t0);
  }
}

/**
 * V8's memory-reducing full GC, as DevTools' "collect garbage" runs it (and V8 itself when the
 * process goes idle or nears its heap limit): unlike an ordinary major GC (`gc()`), it also frees
 * what ordinary collections keep (about 20 KB per idle connection here, kept through any number of
 * them), compacts the old space and shrinks the young generation to its minimum.
 */
async function reduceMemory(session: Session): Promise<void> {
  await new Promise<void>((resolve, reject) => session.post('HeapProfiler.collectGarbage', (error) => (error ? reject(error) : resolve())));
  await sleep(100);
}

function sampleNow(): MemorySample {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const youngGen = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  return { rss, heapUsed, external, arrayBuffers, youngGen, sockets: openSockets(), quietMs: 0 };
}

/** Median of each figure over `n` readings, each after two memory-reducing GCs, 500 ms apart. */
async function memory(n = 3): Promise<MemorySample> {
  const quietMs = await quiet(60_000);
  const session = new Session();
  session.connect();
  const samples: MemorySample[] = [];
  try {
    for (let i = 0; i < n; i++) {
      await reduceMemory(session);
      await reduceMemory(session);
      samples.push(sampleNow());
      await sleep(500);
    }
  } finally {
    session.disconnect();
  }
  const median = (key: keyof MemorySample) => samples.map((sample) => sample[key]).sort((a, b) => a - b)[Math.floor(n / 2)]!;
  return {
    ...sampleNow(),
    rss: median('rss'),
    heapUsed: median('heapUsed'),
    external: median('external'),
    arrayBuffers: median('arrayBuffers'),
    youngGen: median('youngGen'),
    quietMs,
  };
}

// Nothing to stop: the process exits when the benchmark disconnects, its sockets with it.
serveLoadRequests<ServerRequest>(async (req) => {
  if (req.op === 'start') return req.system === 'chorus' ? startChorus(req) : startWsBaseline(req);
  if (req.op === 'snapshot') return writeHeapSnapshot(req.file);
  return memory();
});
