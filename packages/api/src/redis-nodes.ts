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

/**
 * How often a sharded subscriber's cluster client re-reads the slot map by itself. ioredis
 * compares a sharded-subscriber client's whole slot map (16,384 entries, as JSON) on every
 * refresh: 20–200 ms in one turn on a 2-core machine, which the command client's 2 s interval
 * made a stall every 2 s per subscriber client (docs/capacity.md, "Adding instances"). Such a
 * client still refreshes at once when a subscribed node goes away, cannot be reached or answers
 * MOVED, which is how it follows a failover; the interval only finds slots moved between live nodes.
 */
export const SUBSCRIBER_SLOTS_REFRESH_MS = 15_000;

/**
 * A connection of its own for SSUBSCRIBE: on a cluster, a client whose subscribers follow each
 * channel's slot to the node that holds it (the command client has no sharded subscribers).
 */
export function shardedSubscriberOf(client: RedisClient): RedisClient {
  return client instanceof Cluster
    ? client.duplicate(undefined, { shardedSubscribers: true, slotsRefreshInterval: SUBSCRIBER_SLOTS_REFRESH_MS })
    : client.duplicate();
}
