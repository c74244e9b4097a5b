import type { Db } from '@chorus/db';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRateLimiters, defaultRateLimits, type RateLimitConfig } from './auth/rate-limits';
import { MailSignal, systemClock, type AppConfig, type AppDeps, type Clock } from './deps';
import { SessionRevocations } from './realtime/session-revocations';

export interface CreateAppDepsOptions {
  db: Db;
  redis: Redis;
  logger: Logger;
  clock?: Clock;
  config?: { cookieSecure?: boolean; rateLimits?: Partial<RateLimitConfig> };
}

/** Builds the process-wide service dependencies once; `close` releases what it opened. */
export async function createAppDeps(options: CreateAppDepsOptions): Promise<AppDeps & { close(): Promise<void> }> {
  const config: AppConfig = {
    cookieSecure: options.config?.cookieSecure ?? true,
    rateLimits: { ...defaultRateLimits, ...options.config?.rateLimits },
  };
  const revocations = await SessionRevocations.start(options.redis, options.logger);
  return {
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    clock: options.clock ?? systemClock,
    config,
    limiters: createRateLimiters(options.redis, config.rateLimits),
    revocations,
    mail: new MailSignal(),
    close: () => revocations.close(),
  };
}
