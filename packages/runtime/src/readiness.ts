import { pingDb, type Db } from '@chorus/db';
import { redisNodes, type RedisClient } from '@chorus/api';

export interface ReadinessReport {
  ready: boolean;
  checks: { database: string; redis: string };
}

const CHECK_TIMEOUT_MS = 1500;

/** Whether MariaDB and Redis answer right now; each check has its own short deadline. */
export async function checkReadiness(db: Db, redis: RedisClient): Promise<ReadinessReport> {
  const [database, redisCheck] = await Promise.all([
    probe(() => pingDb(db)),
    probe(async () => {
      // ioredis queues commands while disconnected; do not wait on a queue that may never drain.
      if (redis.status !== 'ready') throw new Error(`connection ${redis.status}`);
      // A cluster is ready only while every primary answers: a key on a silent one would fail.
      await Promise.all(redisNodes(redis).map((node) => node.ping()));
    }),
  ]);
  return { ready: database === 'ok' && redisCheck === 'ok', checks: { database, redis: redisCheck } };
}

async function probe(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `unavailable: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}
