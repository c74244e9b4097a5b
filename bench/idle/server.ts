// The server process of the idle benchmark, forked once per case so its memory is that of the
// sockets it holds and nothing else: a Chorus instance on the stack's database and Redis (as
// lib/observed-instance.ts starts one), with permessage-deflate offered or not, or the plain `ws`
// baseline. Starts on `start` (answering with its URL), answers `memory` (after a full GC) and
// exits when the parent goes away. Prints nothing.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { WebSocketServer } from 'ws';
import { serveLoadRequests } from '../lib/load-process';
import { exposeGc } from '../lib/process-cpu';
import type { MemorySample, ServerRequest, ServerStart } from './protocol';
import { redisTarget } from '../lib/redis-target';

const gc = exposeGc();

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

async function memory(): Promise<MemorySample> {
  // Twice, with turns between: finalizers and weak callbacks of the first pass free more in the
  // second. The last-resort flavour compacts and gives freed pages back, so RSS drops with the heap.
  for (let i = 0; i < 2; i++) {
    gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const youngGen = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  return { rss, heapUsed, external, arrayBuffers, youngGen, sockets: openSockets() };
}

// Nothing to stop: the process exits when the benchmark disconnects, its sockets with it.
serveLoadRequests<ServerRequest>(async (req) => {
  if (req.op === 'start') return req.system === 'chorus' ? startChorus(req) : startWsBaseline(req);
  if (req.op === 'snapshot') return writeHeapSnapshot(req.file);
  if (!gc) throw new Error('idle server: no gc (--expose-gc could not be set)');
  return memory();
});
