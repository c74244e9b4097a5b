import type { RedisClient } from '../redis-client';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';

/** points per window (seconds). */
export interface RateLimit {
  points: number;
  seconds: number;
}

export const defaultRateLimits = {
  registerPerIp: { points: 10, seconds: 3600 },
  registerPerEmail: { points: 5, seconds: 3600 },
  loginPerIp: { points: 60, seconds: 900 },
  /** Wrong passwords per account (or per login naming none) before a lockout; each further lockout doubles it. */
  loginFailuresPerAccount: { points: 5, seconds: 900 },
  codeSendPerEmail: { points: 6, seconds: 3600 },
  codeSendPerIp: { points: 30, seconds: 3600 },
  codeCheckPerIp: { points: 30, seconds: 600 },
  guestPerIp: { points: 20, seconds: 3600 },
  passwordChangePerAccount: { points: 10, seconds: 3600 },
  /** Friend requests a user sends, idempotent repeats included. */
  friendRequestsPerUser: { points: 30, seconds: 3600 },
  /** Provider requests (answers, suggestions, images) a user starts. */
  aiRequestsPerUser: { points: 20, seconds: 60 },
  /** New uploads a user creates (each is a row, however small). */
  fileUploadsPerUser: { points: 60, seconds: 60 },
  /** Calls a user starts (each rings someone and may leave a notification). */
  callStartsPerUser: { points: 20, seconds: 60 },
  /** Signals a user relays (a negotiation takes a few dozen). */
  callSignalsPerUser: { points: 600, seconds: 60 },
  /** Link preview pages a user's messages make the server fetch (cached links are free): any user can name any site. */
  linkPreviewFetchesPerUser: { points: 30, seconds: 60 },
  /** Message and AI conversation searches a user runs (each is a full-text query over many conversations). */
  searchesPerUser: { points: 60, seconds: 60 },
  /** Push devices a user registers (each may make the server resolve a host and later send to it). */
  pushDeviceRegistrationsPerUser: { points: 30, seconds: 3600 },
  /** Unsubscribe link requests per IP (each checks a signed token). */
  unsubscribePerIp: { points: 30, seconds: 600 },
} satisfies Record<string, RateLimit>;

export type RateLimitName = keyof typeof defaultRateLimits;
export type RateLimitConfig = Record<RateLimitName, RateLimit>;
export type RateLimiters = Record<RateLimitName, RateLimiterRedis> & { lockouts: RateLimiterRedis };

export function createRateLimiters(redis: RedisClient, config: RateLimitConfig): RateLimiters {
  const limiters = {} as RateLimiters;
  for (const [name, limit] of Object.entries(config) as Array<[RateLimitName, RateLimit]>) {
    limiters[name] = new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, points: limit.points, duration: limit.seconds });
  }
  // How many lockouts an account (or unknown login) had in the last day: drives the progressive lockout.
  limiters.lockouts = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:lockouts', points: 1000, duration: 86_400 });
  return limiters;
}

/** Takes `points` from `key`'s allowance or throws RATE_LIMITED with `retryAfter`. */
export async function consumeOrThrow(limiter: RateLimiterRedis, key: string, points = 1): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(error.msBeforeNext);
    throw error;
  }
}

/** Throws RATE_LIMITED when `key` has no allowance left, without taking any. */
export async function assertAllowance(limiter: RateLimiterRedis, key: string): Promise<void> {
  const state = await limiter.get(key);
  if (state && state.remainingPoints <= 0 && state.msBeforeNext > 0) throw rateLimited(state.msBeforeNext);
}

export function rateLimited(msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfter} s`, { retryAfter });
}
