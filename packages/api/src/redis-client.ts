import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Redis: one server, a primary found through Sentinel, or a Redis Cluster.
 * Code written against this type may only use what works on all three: every script or
 * MULTI touches keys of one hash tag (redis-keys.ts), and pub/sub that belongs to one key
 * space is sharded (SPUBLISH / SSUBSCRIBE on a channel with that key space's tag).
 */
export type RedisClient = Redis | Cluster;
