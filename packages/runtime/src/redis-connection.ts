import { TimedCluster, TimedRedis, type RedisClient } from '@chorus/api';
import { coalesceCommandWrites } from '@chorus/transport';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Where Redis is: one server by URL, a Redis Cluster by its seed nodes, or a primary/replica
 * set found through Sentinel. Addresses are `host:port`.
 */
export type RedisTarget =
  | string
  | { url: string }
  | { clusterNodes: string[]; password?: string | undefined }
  | { sentinels: string[]; name: string; password?: string | undefined; sentinelPassword?: string | undefined };

/** Reconnect forever with a capped, jittered delay; commands wait in the offline queue. */
const retryDelay = (attempt: number) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) + Math.floor(Math.random() * 100);

const connectionOptions = {
  retryStrategy: retryDelay,
  maxRetriesPerRequest: 3,
  connectionName: 'chorus',
} satisfies RedisOptions;

/** `host:port` → the parts ioredis takes; a bare host means the default port. */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address.trim());
  if (!match?.[1]) throw new Error(`not a host:port address: ${address}`);
  return { host: match[1], port: match[2] ? Number(match[2]) : 6379 };
}

/** A client whose commands metrics can time (see createPromMetrics); untimed until then. */
export function createRedis(target: RedisTarget, logger: Logger): RedisClient {
  const redis = connect(target);
  let lastWarning = 0;
  redis.on('error', (error) => {
    // Without a listener ioredis would crash the process; throttle the noise of an outage.
    if (Date.now() - lastWarning > 5000) {
      lastWarning = Date.now();
      logger.warn({ err: error }, 'redis connection error');
    }
  });
  return redis;
}

function connect(target: RedisTarget): RedisClient {
  if (typeof target === 'string' || 'url' in target) {
    const redis = new TimedRedis(typeof target === 'string' ? target : target.url, connectionOptions);
    coalesceCommandWrites(redis);
    return redis;
  }
  if ('clusterNodes' in target) {
    const redisOptions: RedisOptions = { ...connectionOptions, ...(target.password ? { password: target.password } : {}) };
    const cluster = new TimedCluster(target.clusterNodes.map(parseHostPort), {
      // Reads and writes go to a slot's primary: replicas lag, and a reader expects its own writes.
      scaleReads: 'master',
      clusterRetryStrategy: retryDelay,
      // While a failover promotes a replica, commands for its slots wait and are retried.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 100,
      // Learn a new primary soon after a failover even when no command was redirected yet.
      slotsRefreshInterval: 2000,
      // No sharded subscribers here: this client never subscribes, and ioredis compares such a
      // client's whole slot map on every refresh. The connections that SSUBSCRIBE are its
      // duplicates with their own (shardedSubscriberOf, @chorus/api).
      // No auto-pipelining: every node's socket is corked for the event-loop turn below, so a
      // turn's commands already leave as one write per node, without a pipeline per slot.
      redisOptions,
    });
    // Each node has a connection of its own; hold its writes like a single server's.
    cluster.on('+node', (node: Parameters<typeof coalesceCommandWrites>[0]) => coalesceCommandWrites(node));
    return cluster;
  }
  const redis = new TimedRedis({
    ...connectionOptions,
    sentinels: target.sentinels.map(parseHostPort),
    name: target.name,
    role: 'master',
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // Sentinel tells of a promotion (+switch-master) at once instead of waiting for an error.
    failoverDetector: true,
    // A demoted primary still accepts connections but refuses writes: reconnect (asking
    // Sentinel for the new primary) and send the refused command again.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  });
  coalesceCommandWrites(redis);
  return redis;
}
