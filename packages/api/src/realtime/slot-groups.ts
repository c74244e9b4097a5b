import { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from '../redis-client';

/**
 * Splits `items` by the Redis node that holds each one's key: one group on a single server,
 * one per primary on a cluster (per slot while the cluster's slot map is not yet known). A
 * script given one group's keys runs on one node (with `allow-cross-slot-keys`).
 */
export function groupByNode<T>(redis: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!(redis instanceof Cluster) || items.length <= 1) return items.length === 0 ? [] : [[...items]];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const owner = redis.slots[slot]?.[0] ?? `slot ${slot}`;
    const group = groups.get(owner);
    if (group) group.push(item);
    else groups.set(owner, [item]);
  }
  return [...groups.values()];
}

/** GETs of keys in any slots: one MGET on a single server, pipelined GETs on a cluster. */
export async function getMany(redis: RedisClient, keys: string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!(redis instanceof Cluster)) return redis.mget(keys);
  return Promise.all(keys.map((key) => redis.get(key)));
}
