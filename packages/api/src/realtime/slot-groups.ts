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

/**
 * GET of every key in ARGV whose slots one node holds, in order (a missing key answers nil).
 * KEYS: the first of them, which routes the call (a cluster refuses declared keys of several
 * slots, so all are named in ARGV).
 */
const GET_MANY = `#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
for i = 1, #ARGV do out[i] = redis.call('GET', ARGV[i]) end
return out
`;

type GetManyRedis = RedisClient & { chorusGetMany(numberOfKeys: number, first: string, ...keys: string[]): Promise<(string | null)[]> };
const withGetMany = new WeakSet<RedisClient>();

/**
 * GETs of keys in any slots: one MGET on a single server; on a cluster one script call per
 * node (a group of groupByNode), and a node that refuses its group (a slot moved since the
 * slot map was read) asked again key by key, which follows the redirections. A GET per key
 * made the catch-up check of an instance with 4,000 listening users 4,000 commands through
 * the cluster client's routing every 10 s (docs/capacity.md, "Adding instances").
 */
export async function getMany(redis: RedisClient, keys: string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!(redis instanceof Cluster)) return redis.mget(keys);
  const groups = groupByNode(redis, keys, (key) => key);
  const answers = await Promise.all(groups.map((group) => getGroup(redis, group).catch(() => Promise.all(group.map((key) => redis.get(key))))));
  const values = new Map<string, string | null>();
  groups.forEach((group, index) => group.forEach((key, position) => values.set(key, answers[index]![position] ?? null)));
  return keys.map((key) => values.get(key) ?? null);
}

/** GETs of keys whose slots one node holds (a group of groupByNode): one script call. */
export function getGroup(redis: RedisClient, group: readonly string[]): Promise<(string | null)[]> {
  if (!withGetMany.has(redis)) {
    redis.defineCommand('chorusGetMany', { lua: GET_MANY });
    withGetMany.add(redis);
  }
  return (redis as GetManyRedis).chorusGetMany(1, group[0]!, ...group);
}
