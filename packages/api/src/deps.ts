import type { Db } from '@chorus/db';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Wall-clock source; injected so tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Everything a service may touch, built once per process by the server (or by a test). */
export interface AppDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  clock: Clock;
}
