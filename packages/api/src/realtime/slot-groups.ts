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
 * `grouped` once per node's group of `items` (groupByNode); a group its node refuses (a slot
 * moved since the slot map was read) goes through `one` item by item, which follows the
 * redirections. Resolves to each item's answer, in the order of `items`.
 */
export async function perNode<T, R>(
  redis: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  grouped: (group: T[]) => Promise<R[]>,
  one: (item: T) => Promise<R>,
): Promise<R[]> {
  const answers = new Array<R>(items.length);
  const groups = groupByNode(redis, [...items.keys()], (index) => keyOf(items[index]!));
  await Promise.all(
    groups.map(async (indexes) => {
      const group = indexes.map((index) => items[index]!);
      const values = await grouped(group).catch(() => Promise.all(group.map(one)));
      indexes.forEach((index, position) => (answers[index] = values[position]!));
    }),
  );
  return answers;
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
 * node (perNode). A GET per key
 * made the catch-up check of an instance with 4,000 listening users 4,000 commands through
 * the cluster client's routing every 10 s (docs/capacity.md, "Adding instances").
 */
export async function getMany(redis: RedisClient, keys: string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!(redis instanceof Cluster)) return redis.mget(keys);
  const values = await perNode(
    redis,
    keys,
    (key) => key,
    (group) => getGroup(redis, group),
    (key) => redis.get(key),
  );
  return values.map((value) => value ?? null);
}

/** GETs of keys whose slots one node holds (a group of groupByNode): one script call. */
export function getGroup(redis: RedisClient, group: readonly string[]): Promise<(string | null)[]> {
  if (!withGetMany.has(redis)) {
    redis.defineCommand('chorusGetMany', { lua: GET_MANY });
    withGetMany.add(redis);
  }
  return (redis as GetManyRedis).chorusGetMany(1, group[0]!, ...group);
}
