import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Log } from './binaries.js';
import { LOOPBACK } from './ports.js';
import { redisServerArgs } from './redis.js';
import { parseInfo, redisCommand } from './redis-cli.js';
import { ensureRedisServer, startRedisProcess, waitUntil as waitUntilFor } from './redis-process.js';
import type { LocalService } from './service.js';

export interface RedisSentinelOptions {
  /** The primary and replicas keep their files in `<dataDir>/node-<i>`, the sentinels in `<dataDir>/sentinel-<i>`. */
  dataDir: string;
  /** Default 1. */
  replicas?: number;
  /** Default 3 (quorum: a majority of them). */
  sentinels?: number;
  /** The name the sentinels monitor (REDIS_SENTINEL_NAME); default `chorus`. */
  name?: string;
  /** How long a silent primary takes to be judged down; default 1000 ms. */
  downAfterMs?: number;
  /** Sentinel failover-timeout; default 5000 ms. */
  failoverTimeoutMs?: number;
  log?: Log;
}

export interface RedisSentinelSet {
  /** Seeds for REDIS_SENTINELS: `127.0.0.1:port,…` (the sentinels). */
  sentinels: string;
  /** The monitored name, for REDIS_SENTINEL_NAME. */
  name: string;
  /** Ports of the data nodes: [the first primary, ...replicas]. */
  dataPorts: number[];
  /** The port of the primary the sentinels name now. */
  primary(): Promise<number>;
  /** SIGKILL a data node; default the current primary. Resolves with the killed port. */
  kill(port?: number): Promise<number>;
  /**
   * Wait until every live sentinel names a live primary other than `previous` (default: the
   * last killed primary) and that node has taken the primary role; its port.
   */
  waitForFailover(previous?: number, timeoutMs?: number): Promise<number>;
  /** Stop sentinels and data nodes. Idempotent. */
  stop(): Promise<void>;
}

const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitUntilFor('redis sentinel', what, check, timeoutMs);

/** Alternating field/value lines (SENTINEL MASTER's reply) as a map. */
function pairs(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/);
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) fields.set(lines[i]!, lines[i + 1]!);
  return fields;
}

/** Files of an earlier start: every start begins with no data and no learned sentinel state. */
const STALE_FILES = ['dump.rdb', 'sentinel.conf'];

function startDataNode(dataDir: string, binary: string, log: Log, primaryPort?: number): Promise<LocalService> {
  return startRedisProcess({
    dataDir,
    binary,
    log,
    staleFiles: STALE_FILES,
    args: (port, serverDir) => redisServerArgs(port, serverDir, primaryPort ? ['--replicaof', LOOPBACK, String(primaryPort)] : []),
  });
}

function startSentinel(dataDir: string, binary: string, log: Log, monitor: string[]): Promise<LocalService> {
  return startRedisProcess({
    name: 'redis-sentinel',
    dataDir,
    binary,
    log,
    staleFiles: STALE_FILES,
    args: (port, serverDir) => {
      // Sentinel rewrites its config file (what it learns about replicas and peers), so it must be its own file.
      const config = path.join(serverDir, 'sentinel.conf');
      writeFileSync(config, [`port ${port}`, `bind ${LOOPBACK}`, `dir ${serverDir}`, 'logfile ""', 'loglevel warning', ...monitor, ''].join('\n'));
      return [config, '--sentinel', '--set-proc-title', 'no'];
    },
  });
}

/**
 * Start a Sentinel set on loopback: a primary, `replicas` replicas of it and `sentinels`
 * redis-server --sentinel processes monitoring it under `name`. Resolves once every sentinel
 * knows the replicas and the other sentinels (so a failover can be voted) and the replicas are
 * in sync.
 */
export async function startRedisSentinel(options: RedisSentinelOptions): Promise<RedisSentinelSet> {
  const log: Log = options.log ?? (() => {});
  const replicas = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const name = options.name ?? 'chorus';
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const binary = await ensureRedisServer(options.log);
  const dataDir = path.resolve(options.dataDir);
  const started = Date.now();
  const services: LocalService[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(services.map((service) => service.stop()));
  };
  try {
    const primary = await startDataNode(path.join(dataDir, 'node-0'), binary, log);
    services.push(primary);
    const replicaNodes = await Promise.all(
      Array.from({ length: replicas }, (_, i) => startDataNode(path.join(dataDir, `node-${i + 1}`), binary, log, primary.port)),
    );
    services.push(...replicaNodes);
    const monitor = [
      `sentinel monitor ${name} ${LOOPBACK} ${primary.port} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5000}`,
      `sentinel parallel-syncs ${name} 1`,
    ];
    const sentinelNodes = await Promise.all(
      Array.from({ length: sentinelCount }, (_, i) => startSentinel(path.join(dataDir, `sentinel-${i}`), binary, log, monitor)),
    );
    services.push(...sentinelNodes);
    await waitUntil(
      'replicas in sync',
      async () =>
        (await Promise.all(replicaNodes.map(async (r) => parseInfo(await redisCommand(r.port, 'INFO', 'replication'))))).every(
          (info) => info.get('master_link_status') === 'up',
        ),
      30_000,
    );
    await waitUntil(
      'every sentinel knows the replicas and the other sentinels',
      async () => {
        const views = await Promise.all(sentinelNodes.map(async (s) => pairs(await redisCommand(s.port, 'SENTINEL', 'MASTER', name))));
        return views.every((view) => Number(view.get('num-slaves')) === replicas && Number(view.get('num-other-sentinels')) === sentinelCount - 1);
      },
      30_000,
    );
    log(`redis sentinel set "${name}" (1 primary, ${replicas} replicas, ${sentinelCount} sentinels) ready (${Date.now() - started} ms)`);
    return sentinelHandle(name, [primary, ...replicaNodes], sentinelNodes, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function sentinelHandle(name: string, dataNodes: LocalService[], sentinelNodes: LocalService[], stopAll: () => Promise<void>): RedisSentinelSet {
  const killed = new Set<number>();
  let lastKilled: number | undefined;
  const primaryAt = async (sentinel: LocalService): Promise<number> =>
    Number((await redisCommand(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)).split(/\r?\n/)[1]);
  let stopped: Promise<void> | undefined;
  return {
    sentinels: sentinelNodes.map((s) => `${LOOPBACK}:${s.port}`).join(','),
    name,
    dataPorts: dataNodes.map((node) => node.port),
    primary: () => primaryAt(sentinelNodes[0]!),
    async kill(port) {
      const target = port ?? (await primaryAt(sentinelNodes[0]!));
      const service = dataNodes.find((node) => node.port === target);
      if (!service) throw new Error(`redis sentinel: no data node on port ${target}`);
      killed.add(target);
      lastKilled = target;
      try {
        process.kill(service.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await service.stop();
      return target;
    },
    async waitForFailover(previous = lastKilled, timeoutMs = 30_000) {
      let port = 0;
      await waitUntil(
        'a new primary named by every sentinel',
        async () => {
          const named = await Promise.all(sentinelNodes.map(primaryAt));
          const candidate = named[0]!;
          if (candidate === previous || killed.has(candidate) || named.some((p) => p !== candidate)) return false;
          port = candidate;
          return parseInfo(await redisCommand(candidate, 'INFO', 'replication')).get('role') === 'master';
        },
        timeoutMs,
      );
      return port;
    },
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
