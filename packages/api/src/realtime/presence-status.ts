import type { RedisClient } from '../redis-client';
import { userTag } from '../redis-keys';
import { groupByNode } from './slot-groups';

// A user's presence keys (presence.ts): chorus:{u<id>}:pc zset connId -> expiry,
// chorus:{u<id>}:pres hash on / away / seen.
export const connectionsKey = (userId: number | string) => `chorus:${userTag(Number(userId))}:pc`;
export const stateKey = (userId: number | string) => `chorus:${userTag(Number(userId))}:pres`;

/** KEYS: pc, pres. ARGV: now. Live connections, away flag, last seen. */
export const STATUS = `
return { redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf'), redis.call('HGET', KEYS[2], 'away'), redis.call('HGET', KEYS[2], 'seen') }
`;

/**
 * STATUS for many users whose slots one node holds, in one call (a snapshot asks for dozens).
 * KEYS: the first user's pc (it routes the call; a cluster refuses declared keys of several
 * slots, so the others' keys, on the same node, are named in the script). ARGV: now, then the
 * user ids. Per user, in order, what STATUS answers.
 */
export const STATUS_MANY = `#!lua flags=allow-cross-slot-keys
local out = {}
for i = 2, #ARGV do
  local base = 'chorus:{u' .. ARGV[i] .. '}'
  local state = redis.call('HMGET', base .. ':pres', 'away', 'seen')
  out[i - 1] = { redis.call('ZCOUNT', base .. ':pc', ARGV[1], '+inf'), state[1], state[2] }
end
return out
`;

export type RawStatus = [number, string | null, string | null];

type StatusRedis = RedisClient & {
  chorusPresenceStatus(pc: string, pres: string, now: string): Promise<RawStatus>;
  chorusPresenceStatusMany(numberOfKeys: number, pc: string, now: string, ...userIds: string[]): Promise<RawStatus[]>;
};

/** Defines the status scripts on `redis` (once per client). */
export function defineStatusScripts(redis: RedisClient): void {
  redis.defineCommand('chorusPresenceStatus', { numberOfKeys: 2, lua: STATUS });
  redis.defineCommand('chorusPresenceStatusMany', { lua: STATUS_MANY });
}

/** One user's raw status: one script call. */
export function statusOne(redis: RedisClient, userId: number, now: number): Promise<RawStatus> {
  return (redis as StatusRedis).chorusPresenceStatus(connectionsKey(userId), stateKey(userId), String(now));
}

/**
 * Raw statuses of `userIds`, in order: one script call per Redis node. A node that refuses its
 * group (a cluster's slot moved since the slot map was read) is asked again user by user,
 * which follows the redirections.
 */
export async function statusMany(redis: RedisClient, userIds: readonly number[], now: number): Promise<RawStatus[]> {
  const groups = groupByNode(redis, userIds, (userId) => connectionsKey(userId));
  const answers = await Promise.all(
    groups.map((group) => statusOfGroup(redis, group, now).catch(() => Promise.all(group.map((userId) => statusOne(redis, userId, now))))),
  );
  const byUser = new Map<number, RawStatus>();
  groups.forEach((group, index) => group.forEach((userId, position) => byUser.set(userId, answers[index]![position]!)));
  return userIds.map((userId) => byUser.get(userId)!);
}

/** Raw statuses of users whose slots one node holds (a group of groupByNode): one script call. */
export function statusOfGroup(redis: RedisClient, group: readonly number[], now: number): Promise<RawStatus[]> {
  return (redis as StatusRedis).chorusPresenceStatusMany(1, connectionsKey(group[0]!), String(now), ...group.map(String));
}
