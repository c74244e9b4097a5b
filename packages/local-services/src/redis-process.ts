// What the single server, the cluster nodes and the Sentinel set's processes share: finding
// redis-server, starting one on a free loopback port with a fresh working dir, and polling a
// condition until the set of servers reaches it.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureBinaries, findRedisServer } from './binaries.js';
import type { Log } from './binaries.js';
import { LOOPBACK, sleep, tcpExchange } from './ports.js';
import { startService } from './service.js';
import type { LocalService, ServiceSpec } from './service.js';

/** PING over RESP; true on +PONG. */
export async function redisPing(port: number): Promise<boolean> {
  const reply = await tcpExchange(port, 'PING\r\n', (buf) => buf.includes('\r\n'), 1000);
  return reply.toString('latin1').startsWith('+PONG');
}

/** redis-server's path, installing Debian's package first when it is missing. */
export async function ensureRedisServer(log?: Log): Promise<string> {
  await ensureBinaries(['redis'], log);
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found after ensureBinaries');
  return binary;
}

export interface RedisProcessSpec {
  /** The process's own dataDir (its leftovers claim); it works in `<dataDir>/redis`. */
  dataDir: string;
  binary: string;
  log: Log;
  name?: 'redis' | 'redis-sentinel';
  /** Files of an earlier start in the working dir, removed so every start begins empty. */
  staleFiles: string[];
  /** The command line for `port`, working in `serverDir`. */
  args(port: number, serverDir: string): string[];
  beforeSpawn?: ServiceSpec['beforeSpawn'];
}

/** One redis-server process on a free loopback port, ready once it answers PING. */
export function startRedisProcess(spec: RedisProcessSpec): Promise<LocalService> {
  const name = spec.name ?? 'redis';
  const serverDir = path.join(spec.dataDir, 'redis');
  mkdirSync(serverDir, { recursive: true });
  for (const file of spec.staleFiles) rmSync(path.join(serverDir, file), { force: true });
  return startService({
    name,
    dataDir: spec.dataDir,
    serverDir,
    logFile: path.join(spec.dataDir, name === 'redis' ? 'redis.log' : 'sentinel.log'),
    binary: spec.binary,
    beforeSpawn: spec.beforeSpawn,
    args: (port) => spec.args(port, serverDir),
    probe: redisPing,
    url: (port) => `redis://${LOOPBACK}:${port}`,
    timeoutMs: 30_000,
    log: spec.log,
  });
}

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs` naming `what` and the last error. */
export async function waitUntil(owner: string, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`${owner}: ${what} not reached within ${timeoutMs} ms${lastError instanceof Error ? ` (${lastError.message})` : ''}`);
}
