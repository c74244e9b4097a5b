import { drizzleOn, type Db } from '@chorus/db';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { RedisClient } from '../redis-client';
import { userTag } from '../redis-keys';
import { detectDialect, positionRank, positionReader, waitFor, type GtidDialect } from './gtid';

/**
 * Where history, search and list reads run: a read replica when one is configured, with
 * read-your-writes for the caller's own writes, else the primary.
 */
export interface ReadDb {
  /** True when a replica is configured. */
  readonly replicated: boolean;
  /**
   * Runs `read` (which must not write) on the replica once it has applied everything `userId`
   * wrote recently, or on the primary when it lags past the wait, is down, or refuses.
   */
  read<T>(userId: number, read: (db: Db) => Promise<T>): Promise<T>;
  /** After a write by `userId` committed: remembers the primary's position for their reads. */
  wrote(userId: number): Promise<void>;
  /** Where reads went since start: for tests and operators. */
  readonly counts: { replica: number; waited: number; lagged: number; down: number; refused: number };
}

export interface ReadDbOptions {
  primary: Db;
  /** A Db over DATABASE_REPLICA_URL; unset: every read runs on the primary. */
  replica?: Db | null;
  redis: RedisClient;
  logger: Logger;
  /** Longest wait for the replica to apply a user's writes before reading from the primary. */
  waitMs?: number;
  /** How long a user's last write position is kept: replica lag beyond it is not waited for. */
  rememberMs?: number;
  /** After a connection failure the replica is left alone this long. */
  downForMs?: number;
}

const positionKey = (userId: number) => `chorus:${userTag(userId)}:replica-pos`;

// Keeps the later of two positions of one user (writes of two calls may finish in any order).
const KEEP_LATEST = `
local stored = redis.call('GET', KEYS[1])
if stored then
  local rank = tonumber(string.match(stored, '^(%d+)|'))
  if rank and rank > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1`;

export function createReadDb(options: ReadDbOptions): ReadDb {
  const { primary, replica, redis, logger } = options;
  const counts = { replica: 0, waited: 0, lagged: 0, down: 0, refused: 0 };
  if (!replica) return { replicated: false, read: (_userId, read) => read(primary), wrote: async () => {}, counts };
  const waitMs = options.waitMs ?? 1000;
  const rememberMs = options.rememberMs ?? 60_000;
  const downForMs = options.downForMs ?? 5000;
  let dialect: Promise<GtidDialect> | null = null;
  // Asked once; a failed attempt (primary unreachable) is asked again next time.
  const dialectOf = () =>
    (dialect ??= detectDialect(primary.$client).catch((error: unknown) => {
      dialect = null;
      throw error;
    }));
  const primaryPosition = positionReader(primary.$client, dialectOf);
  let downUntil = 0;

  /** The replica's answer, or null when the primary must answer instead. */
  async function onReplica<T>(userId: number, read: (db: Db) => Promise<T>): Promise<{ value: T } | null> {
    const stored = await redis.get(positionKey(userId)).catch((error: unknown) => {
      logger.warn({ err: error, component: 'read-replica' }, 'no write position from Redis: reading from the primary');
      return undefined;
    });
    if (stored === undefined) return null;
    const position = stored?.slice(stored.indexOf('|') + 1);
    if (!position) return { value: await read(replica!) };
    const connection = await replica!.$client.getConnection();
    try {
      if (!(await waitFor(connection, await dialectOf(), position, waitMs))) {
        counts.lagged++;
        return null;
      }
      counts.waited++;
      return { value: await read(drizzleOn(connection)) };
    } finally {
      connection.release();
    }
  }

  return {
    replicated: true,
    counts,
    async read<T>(userId: number, read: (db: Db) => Promise<T>): Promise<T> {
      if (Date.now() < downUntil) return read(primary);
      let answer: { value: T } | null;
      try {
        answer = await onReplica(userId, read);
      } catch (error) {
        if (isConnectionError(error)) {
          counts.down++;
          downUntil = Date.now() + downForMs;
          logger.warn({ err: error, component: 'read-replica' }, `read replica unreachable: reading from the primary for ${downForMs} ms`);
        } else if (isRefusal(error)) {
          // A lagging replica may not know of a membership yet: its "no" is checked on the primary.
          counts.refused++;
        } else throw error;
        return read(primary);
      }
      // Outside the try: the primary's own errors (a real NOT_FOUND) reach the caller as they are.
      if (!answer) return read(primary);
      counts.replica++;
      return answer.value;
    },
    async wrote(userId) {
      try {
        const position = await primaryPosition();
        if (!position) return;
        await redis.eval(KEEP_LATEST, 1, positionKey(userId), positionRank(position), position, rememberMs);
      } catch (error) {
        // The write itself committed: failing the call now would only make its client retry it.
        logger.warn({ err: error, component: 'read-replica', userId }, 'write position not stored: this user may read a lagging replica');
      }
    },
  };
}

function isRefusal(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN');
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);

/** mysql2's errors for a server out of reach, possibly wrapped by Drizzle (`cause`). */
function isConnectionError(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    const { code, fatal } = current as Error & { code?: string; fatal?: boolean };
    if (fatal === true || (code !== undefined && CONNECTION_CODES.has(code))) return true;
  }
  return false;
}
