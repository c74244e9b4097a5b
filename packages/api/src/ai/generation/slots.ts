import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../redis-client';
import { AppError } from '../../errors';
import { userTag } from '../../redis-keys';

/**
 * KEYS: the user's slot set. ARGV: now ms, lease ms, limit, token. Forgets expired leases
 * (their process died), then takes a slot if one is free. Returns 0 when full.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const slotKey = (userId: number) => `chorus:${userTag(userId)}:ai-slots`;
/** Long enough for any generation; a crashed process's slot frees itself after it. */
const LEASE_MS = 15 * 60 * 1000;

export interface GenerationSlot {
  release(): Promise<void>;
}

/** Takes one of the user's concurrent-generation slots, or throws RATE_LIMITED. */
export async function acquireSlot(redis: RedisClient, userId: number, limit: number, now: number): Promise<GenerationSlot> {
  const token = randomUUID();
  const taken = await redis.eval(ACQUIRE, 1, slotKey(userId), String(now), String(LEASE_MS), String(limit), token);
  if (taken !== 1) {
    throw new AppError('RATE_LIMITED', `At most ${limit} answers can be generated at once`, { retryAfter: 1, details: { reason: 'concurrent_generations' } });
  }
  return {
    release: async () => {
      await redis.zrem(slotKey(userId), token);
    },
  };
}
