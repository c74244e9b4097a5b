import path from 'node:path';
import type { Log } from './binaries.js';
import { getFreePort, LOOPBACK } from './ports.js';
import { redisServerArgs } from './redis.js';
import { parseInfo, redisCommand, runRedisCli } from './redis-cli.js';
import { ensureRedisServer, startRedisProcess, waitUntil as waitUntilFor } from './redis-process.js';
import type { LocalService } from './service.js';

export interface RedisClusterOptions {
  /** Node i keeps its files in `<dataDir>/node-<i>`; every start begins with an empty cluster. */
  dataDir: string;
  /** Default 3 (the fewest Redis Cluster accepts). */
  primaries?: number;
  /** Default 1; 0 for a cluster without failover (quicker to start). */
  replicasPerPrimary?: number;
  /** cluster-node-timeout: how long a silent primary takes to be failed over; default 2000 ms. */
  nodeTimeoutMs?: number;
  log?: Log;
}

export interface RedisClusterNode {
  port: number;
  pid: number;
  /** The role when the cluster was formed (a failover promotes a replica). */
  role: 'primary' | 'replica';
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeState {
  id: string;
  port: number;
  role: 'primary' | 'replica';
  /** Marked failed (fail) or suspected (fail?) by the node asked. */
  failing: boolean;
  /** Slot ranges served, for a primary: [first, last] inclusive. */
  slots: [number, number][];
}

export interface RedisCluster {
  /** Seeds for REDIS_CLUSTER_NODES: `127.0.0.1:port,127.0.0.1:port,…` (every node). */
  seeds: string;
  nodes: RedisClusterNode[];
  /** The slot of `key` (its hash tag's, if it has one). */
  slotOf(key: string): Promise<number>;
  /** The port of the primary that serves `key`'s slot now. */
  primaryForKey(key: string): Promise<number>;
  /** The cluster as a live node sees it now. */
  state(): Promise<ClusterNodeState[]>;
  /** SIGKILL the node on `port` (no clean shutdown, as a crash). */
  kill(port: number): Promise<void>;
  /** Wait until a live primary serves `slot` and every live node says cluster_state:ok; its port. */
  waitForFailover(slot: number, timeoutMs?: number): Promise<number>;
  /** Stop every node. Idempotent. */
  stop(): Promise<void>;
}

export function parseClusterNodes(text: string): ClusterNodeState[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line) => {
      const [id = '', address = '', flagText = '', , , , , , ...slotFields] = line.trim().split(' ');
      const flags = flagText.split(',');
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field): [number, number] => {
          const [first, last] = field.split('-').map(Number);
          return [first!, last ?? first!];
        });
      return {
        id,
        port: Number(address.split('@')[0]!.split(':').pop()),
        role: flags.includes('master') ? ('primary' as const) : ('replica' as const),
        failing: flags.includes('fail') || flags.includes('fail?'),
        slots,
      };
    });
}

async function clusterOk(port: number): Promise<boolean> {
  const info = parseInfo(await redisCommand(port, 'CLUSTER', 'INFO'));
  return info.get('cluster_state') === 'ok';
}

const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitUntilFor('redis cluster', what, check, timeoutMs);

/** Start one cluster-enabled redis-server (its own dataDir, so its own leftovers claim). */
function startNode(dataDir: string, binary: string, nodeTimeoutMs: number, log: Log): Promise<LocalService> {
  let busPort = 0;
  return startRedisProcess({
    dataDir,
    binary,
    log,
    // A fresh cluster every start: no node identity or data from an earlier run.
    staleFiles: ['dump.rdb', 'nodes.conf'],
    // The bus port is chosen too (not port + 10000, which may not exist or be taken).
    beforeSpawn: async () => {
      busPort = await getFreePort();
    },
    args: (port, serverDir) =>
      redisServerArgs(port, serverDir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(serverDir, 'nodes.conf'),
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // A replica may take over however long it was cut off: tests kill primaries at will.
        '--cluster-replica-validity-factor',
        '0',
      ]),
  });
}

/**
 * Start a Redis Cluster on loopback: `primaries × (1 + replicasPerPrimary)` cluster-enabled
 * redis-servers, formed with `redis-cli --cluster create`. Resolves once every node reports
 * cluster_state:ok and every replica is in sync with its primary.
 */
export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const log: Log = options.log ?? (() => {});
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  if (primaries < 3) throw new Error('a Redis Cluster needs at least 3 primaries');
  const binary = await ensureRedisServer(options.log);
  const dataDir = path.resolve(options.dataDir);
  const started = Date.now();
  const count = primaries * (1 + replicas);
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => startNode(path.join(dataDir, `node-${i}`), binary, nodeTimeoutMs, log)));
  const services = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.allSettled(services.map((service) => service.stop()));
  };
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  try {
    const addresses = services.map((service) => `${LOOPBACK}:${service.port}`);
    // redis-cli makes the first `primaries` nodes primaries and assigns the rest as their replicas.
    await runRedisCli(['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], 60_000);
    await waitUntil('cluster_state:ok on every node', async () => (await Promise.all(services.map((s) => clusterOk(s.port)))).every(Boolean), 30_000);
    await waitUntil(
      'replicas in sync',
      async () => {
        const infos = await Promise.all(services.map(async (s) => parseInfo(await redisCommand(s.port, 'INFO', 'replication'))));
        return infos.every((info) => info.get('role') === 'master' || info.get('master_link_status') === 'up');
      },
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const roles = new Map(parseClusterNodes(await redisCommand(services[0]!.port, 'CLUSTER', 'NODES')).map((node) => [node.port, node.role]));
  const nodes: RedisClusterNode[] = services.map((s) => ({ port: s.port, pid: s.pid, role: roles.get(s.port) ?? 'primary' }));
  log(`redis cluster of ${primaries} primaries and ${primaries * replicas} replicas ready (${Date.now() - started} ms)`);
  return clusterHandle(services, nodes, stop);
}

function clusterHandle(services: LocalService[], nodes: RedisClusterNode[], stop: () => Promise<void>): RedisCluster {
  const killed = new Set<number>();
  const live = (): LocalService[] => services.filter((s) => !killed.has(s.port));
  const anyLive = (): number => {
    const service = live()[0];
    if (!service) throw new Error('redis cluster: every node was killed');
    return service.port;
  };
  const state = async (): Promise<ClusterNodeState[]> => parseClusterNodes(await redisCommand(anyLive(), 'CLUSTER', 'NODES'));
  const slotOf = async (key: string): Promise<number> => Number((await redisCommand(anyLive(), 'CLUSTER', 'KEYSLOT', key)).trim());
  const ownerOf = (nodesNow: ClusterNodeState[], slot: number): ClusterNodeState | undefined =>
    nodesNow.find((node) => node.role === 'primary' && node.slots.some(([first, last]) => slot >= first && slot <= last));
  let stopped: Promise<void> | undefined;
  return {
    seeds: services.map((s) => `${LOOPBACK}:${s.port}`).join(','),
    nodes,
    slotOf,
    state,
    async primaryForKey(key) {
      const owner = ownerOf(await state(), await slotOf(key));
      if (!owner) throw new Error(`redis cluster: no primary serves the slot of ${key}`);
      return owner.port;
    },
    async kill(port) {
      const service = services.find((s) => s.port === port);
      if (!service) throw new Error(`redis cluster: no node on port ${port}`);
      killed.add(port);
      try {
        process.kill(service.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await service.stop(); // reaps the process and releases its claim
    },
    async waitForFailover(slot, timeoutMs = 30_000) {
      let port = 0;
      await waitUntil(
        `a live primary for slot ${slot}`,
        async () => {
          const owner = ownerOf(await state(), slot);
          if (!owner || killed.has(owner.port) || owner.failing) return false;
          port = owner.port;
          return (await Promise.all(live().map((s) => clusterOk(s.port)))).every(Boolean);
        },
        timeoutMs,
      );
      return port;
    },
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}
