import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureBinaries, findRedisServer } from './binaries.js';
import type { Log } from './binaries.js';
import { LOOPBACK, tcpExchange } from './ports.js';
import { startService } from './service.js';
import type { LocalService } from './service.js';

/** PING over RESP; true on +PONG. */
export async function redisPing(port: number): Promise<boolean> {
  const reply = await tcpExchange(port, 'PING\r\n', (buf) => buf.includes('\r\n'), 1000);
  return reply.toString('latin1').startsWith('+PONG');
}

/**
 * Start a private redis-server on a free loopback port with its working dir in `<dataDir>/redis`.
 * No persistence (save "" / appendonly no): every start begins empty, also when dataDir is reused.
 */
export async function startRedis(opts: { dataDir: string; log?: (msg: string) => void }): Promise<LocalService> {
  const log: Log = opts.log ?? (() => {});
  await ensureBinaries(['redis'], opts.log);
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found after ensureBinaries');
  const dataDir = path.resolve(opts.dataDir);
  const redisDir = path.join(dataDir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  // Nothing is persisted: drop any dump a manual SAVE may have left so every start is empty.
  rmSync(path.join(redisDir, 'dump.rdb'), { force: true });
  return startService({
    name: 'redis',
    dataDir,
    serverDir: redisDir,
    logFile: path.join(dataDir, 'redis.log'),
    binary,
    args: (port) => redisServerArgs(port, redisDir),
    probe: redisPing,
    url: (port) => `redis://${LOOPBACK}:${port}`,
    timeoutMs: 30_000,
    log,
  });
}

/**
 * The command line of a private, non-persistent redis-server on loopback with its working dir
 * `dir`; `extra` adds options (cluster mode, replicaof).
 */
export function redisServerArgs(port: number, dir: string, extra: string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--dir',
    dir,
    '--dbfilename',
    'dump.rdb',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--supervised',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'warning',
    // Keep argv (with the dir) visible in /proc/<pid>/cmdline so leftovers can be recognised.
    '--set-proc-title',
    'no',
    // A replica's first sync starts at once instead of after the default 5 s wait for more replicas.
    '--repl-diskless-sync-delay',
    '0',
    ...extra,
  ];
}
