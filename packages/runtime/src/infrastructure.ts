import { closeDb, createDb, ensureDatabase, migrate, type Db } from '@chorus/db';
import { startMariaDb, startRedis, type LocalService } from '@chorus/local-services';
import { TimedRedis } from '@chorus/api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { publishLocalEndpoints, readLocalEndpoints } from './local-endpoints';
import { coalesceCommandWrites } from '@chorus/transport';

/** The environment variables the connections are made from (a subset of the server's env). */
export interface InfrastructureEnv {
  /** mysql://…; unset: a private MariaDB under LOCAL_DATA_DIR. */
  DATABASE_URL?: string | undefined;
  /** redis://…; unset: a private Redis under LOCAL_DATA_DIR. */
  REDIS_URL?: string | undefined;
  LOCAL_DATA_DIR: string;
  DB_POOL_SIZE: number;
  /** mysql://… of a read replica of the database; unset: no replica. */
  DATABASE_REPLICA_URL?: string | undefined;
}

export interface Infrastructure {
  db: Db;
  redis: Redis;
  /** A pool on DATABASE_REPLICA_URL (pass to createAppDeps as `replica.replica`); null without one. */
  replicaDb: Db | null;
  /** Closes pools and stops the private MariaDB/Redis this process started, if any. */
  close(): Promise<void>;
}

const LOCAL_DATABASE = 'chorus';

/**
 * Connects to MariaDB and Redis, starting private local instances under LOCAL_DATA_DIR when
 * DATABASE_URL / REDIS_URL are unset, and brings the schema up to date.
 */
export async function connectInfrastructure(env: InfrastructureEnv, logger: Logger, options: { joinRunning?: boolean } = {}): Promise<Infrastructure> {
  const owned: LocalService[] = [];
  const log = (msg: string) => logger.info({ component: 'local-services' }, msg);
  // A script beside a running server joins the private servers that server started.
  const running = options.joinRunning ? readLocalEndpoints(env.LOCAL_DATA_DIR) : null;
  let unpublish = () => {};
  try {
    let databaseUrl = env.DATABASE_URL ?? running?.databaseUrl;
    if (!databaseUrl) {
      const mariadb = await startMariaDb({ dataDir: env.LOCAL_DATA_DIR, log });
      owned.push(mariadb);
      databaseUrl = `${mariadb.url}/${LOCAL_DATABASE}`;
      await ensureDatabase(databaseUrl);
      logger.info({ port: mariadb.port, dataDir: env.LOCAL_DATA_DIR }, 'local MariaDB started (DATABASE_URL unset)');
    }
    let redisUrl = env.REDIS_URL ?? running?.redisUrl;
    if (!redisUrl) {
      const redisService = await startRedis({ dataDir: env.LOCAL_DATA_DIR, log });
      owned.push(redisService);
      redisUrl = redisService.url;
      logger.info({ port: redisService.port }, 'local Redis started (REDIS_URL unset)');
    }

    if (owned.length > 0) {
      unpublish = publishLocalEndpoints(env.LOCAL_DATA_DIR, {
        ...(env.DATABASE_URL ? {} : { databaseUrl }),
        ...(env.REDIS_URL ? {} : { redisUrl }),
      });
    }
    const db = createDb(databaseUrl, { poolSize: env.DB_POOL_SIZE });
    await migrate(db);
    logger.info('database migrations applied');
    const redis = createRedis(redisUrl, logger);
    // Opened lazily by mysql2: a replica down at start only sends reads to the primary.
    const replicaDb = env.DATABASE_REPLICA_URL ? createDb(env.DATABASE_REPLICA_URL, { poolSize: env.DB_POOL_SIZE }) : null;

    return {
      db,
      redis,
      replicaDb,
      async close() {
        await Promise.allSettled([closeDb(db), redis.quit(), ...(replicaDb ? [closeDb(replicaDb)] : [])]);
        redis.disconnect();
        unpublish();
        await stopAll(owned);
      },
    };
  } catch (error) {
    unpublish();
    await stopAll(owned);
    throw error;
  }
}

/** A client whose commands metrics can time (see createPromMetrics); untimed until then. */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new TimedRedis(url, {
    // Reconnect forever with a capped, jittered delay; commands wait in the offline queue.
    retryStrategy: (attempt) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) + Math.floor(Math.random() * 100),
    maxRetriesPerRequest: 3,
    connectionName: 'chorus',
  });
  coalesceCommandWrites(redis);
  let lastWarning = 0;
  redis.on('error', (error) => {
    // Without a listener ioredis would crash the process; throttle the noise of an outage.
    if (Date.now() - lastWarning > 5000) {
      lastWarning = Date.now();
      logger.warn({ err: error }, 'redis connection error');
    }
  });
  return redis;
}

async function stopAll(services: LocalService[]): Promise<void> {
  await Promise.allSettled(services.reverse().map((service) => service.stop()));
}
