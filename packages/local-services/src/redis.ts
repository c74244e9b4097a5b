import path from 'node:path';
import { LOOPBACK } from './ports.js';
import { ensureRedisServer, startRedisProcess } from './redis-process.js';
import type { LocalService } from './service.js';

/**
 * Start a private redis-server on a free loopback port with its working dir in `<dataDir>/redis`.
 * No persistence (save "" / appendonly no): every start begins empty, also when dataDir is reused.
 */
export async function startRedis(opts: { dataDir: string; log?: (msg: string) => void }): Promise<LocalService> {
  const binary = await ensureRedisServer(opts.log);
  return startRedisProcess({
    dataDir: path.resolve(opts.dataDir),
    binary,
    log: opts.log ?? (() => {}),
    // Nothing is persisted: drop any dump a manual SAVE may have left so every start is empty.
    staleFiles: ['dump.rdb'],
    args: (port, dir) => redisServerArgs(port, dir),
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
