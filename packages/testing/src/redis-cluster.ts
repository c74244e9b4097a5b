import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  redisCommand,
  startRedisCluster,
  startRedisSentinel,
  type LocalService,
  type RedisCluster,
  type RedisClusterOptions,
  type RedisSentinelOptions,
  type RedisSentinelSet,
} from '@chorus/local-services';
import type { RedisTarget } from '@chorus/runtime';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';

/** Where a server finds Redis: what createRedis (@chorus/runtime) accepts. */
export type TestRedisTarget = RedisTarget;

/**
 * CHORUS_TEST_REDIS=cluster runs test servers and startTestRedis users on a Redis Cluster
 * (the `redis-cluster` vitest project); anything else, on one redis-server.
 */
export function testRedisMode(): 'single' | 'cluster' {
  return process.env.CHORUS_TEST_REDIS === 'cluster' ? 'cluster' : 'single';
}

/**
 * Clusters and Sentinel sets stand behind one address string, `redis-cluster://host:port,…` and
 * `redis-sentinel://name@host:port,…`, so tests that pass `redisUrl: redis.url` between servers
 * work unchanged on them. These addresses exist only in tests.
 */
const CLUSTER_SCHEME = 'redis-cluster://';
const SENTINEL_SCHEME = 'redis-sentinel://';

function sentinelParts(url: string): { name: string; sentinels: string } {
  const rest = url.slice(SENTINEL_SCHEME.length);
  const at = rest.indexOf('@');
  return { name: rest.slice(0, at), sentinels: rest.slice(at + 1) };
}

/** The createRedis target of an address from startTestRedis, startTestRedisCluster or startTestRedisSentinel. */
export function redisTargetOf(url: string): TestRedisTarget {
  if (url.startsWith(CLUSTER_SCHEME)) return { clusterNodes: url.slice(CLUSTER_SCHEME.length).split(',') };
  if (url.startsWith(SENTINEL_SCHEME)) {
    const { name, sentinels } = sentinelParts(url);
    return { sentinels: sentinels.split(','), name };
  }
  return url;
}

/** A server process's environment for that address: REDIS_URL, REDIS_CLUSTER_NODES, or REDIS_SENTINELS + REDIS_SENTINEL_NAME. */
export function redisEnvOf(url: string): Record<string, string> {
  if (url.startsWith(CLUSTER_SCHEME)) return { REDIS_CLUSTER_NODES: url.slice(CLUSTER_SCHEME.length) };
  if (url.startsWith(SENTINEL_SCHEME)) {
    const { name, sentinels } = sentinelParts(url);
    return { REDIS_SENTINELS: sentinels, REDIS_SENTINEL_NAME: name };
  }
  return { REDIS_URL: url };
}

/** A client of its own for a test that reads or writes Redis directly (a Cluster client on a cluster). */
export function connectTestRedis(url: string): Redis | Cluster {
  const target = redisTargetOf(url);
  if (typeof target === 'string') return new Redis(target);
  const address = (seed: string) => ({ host: seed.split(':')[0], port: Number(seed.split(':')[1]) });
  if ('clusterNodes' in target) return new Cluster(target.clusterNodes.map(address));
  if ('sentinels' in target) return new Redis({ sentinels: target.sentinels.map(address), name: target.name });
  return new Redis(target.url);
}

/**
 * A Redis Cluster under this test run's directory; default three primaries with a replica each.
 * `url` is its address for `redisUrl` (startTestServer) and the helpers above.
 */
export async function startTestRedisCluster(options: Partial<RedisClusterOptions> = {}): Promise<RedisCluster & { url: string }> {
  const cluster = await startRedisCluster({ dataDir: join(inject('testDataDir'), `redis-cluster-${randomBytes(4).toString('hex')}`), ...options });
  return Object.assign(cluster, { url: `${CLUSTER_SCHEME}${cluster.seeds}` });
}

/** A Sentinel set (primary, replica, three sentinels) under this test run's directory; `url` as above. */
export async function startTestRedisSentinel(options: Partial<RedisSentinelOptions> = {}): Promise<RedisSentinelSet & { url: string }> {
  const set = await startRedisSentinel({ dataDir: join(inject('testDataDir'), `redis-sentinel-${randomBytes(4).toString('hex')}`), ...options });
  return Object.assign(set, { url: `${SENTINEL_SCHEME}${set.name}@${set.sentinels}` });
}

/**
 * Clusters of this test file not in use. Forming a cluster takes seconds, so a "private Redis"
 * on a cluster is a flushed cluster handed back by a server that stopped, or a new one (three
 * primaries, no replicas: suites do not fail nodes over). They stop with the worker's process
 * (the local-services watchdogs).
 */
const idle: (RedisCluster & { url: string })[] = [];

async function primariesOf(cluster: RedisCluster): Promise<number[]> {
  return (await cluster.state()).filter((node) => node.role === 'primary' && !node.failing).map((node) => node.port);
}

/** A cluster with no keys, standing for a private Redis; its stop() flushes it and gives it back. */
export async function acquireTestCluster(): Promise<LocalService> {
  const cluster = idle.pop() ?? (await startTestRedisCluster({ replicasPerPrimary: 0 }));
  const first = cluster.nodes[0]!;
  let released: Promise<void> | undefined;
  return {
    url: cluster.url,
    port: first.port,
    pid: first.pid,
    stop() {
      released ??= (async () => {
        await Promise.all((await primariesOf(cluster)).map((port) => redisCommand(port, 'FLUSHALL')));
        idle.push(cluster);
      })();
      return released;
    },
    // A whole cluster stands for this server: killing it is not what a suite on a cluster tests.
    kill() {
      return Promise.reject(new Error('a test cluster standing for one Redis cannot be killed; use startTestRedisCluster() and kill a node'));
    },
  };
}
