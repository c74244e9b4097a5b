import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client';

/**
 * The servers behind a client, for what is asked of each server rather than of a key (INFO,
 * PING): a Cluster's nodes of that role, or the one connection of a single server or Sentinel
 * primary. A cluster's node list is the last one it learnt (refreshed by ioredis).
 */
export function redisNodes(client: RedisClient, role: 'master' | 'all' = 'master'): Redis[] {
  return client instanceof Cluster ? client.nodes(role) : [client];
}

/** Whether the client is a Redis Cluster client (commands route by key slot). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
