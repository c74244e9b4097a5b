import { closeDb, createDb, ensureDatabase, migrate, type Db } from '@chorus/db';
import { startMariaDb, startRedis, type LocalService } from '@chorus/local-services';
import type { RedisClient } from '@chorus/api';
import type { Logger } from 'pino';
import { publishLocalEndpoints, readLocalEndpoints } from './local-endpoints';
import { createRedis, type RedisTarget } from './redis-connection';

export { createRedis, parseHostPort, type RedisTarget } from './redis-connection';

/** The environment variables the connections are made from (a subset of the server's env). */
export interface InfrastructureEnv {
  /** mysql://…; unset: a private MariaDB under LOCAL_DATA_DIR. */
  DATABASE_URL?: string | undefined;
  /** redis://…; unset: a private Redis under LOCAL_DATA_DIR. */
  REDIS_URL?: string | undefined;
  /** Seed nodes (host:port) of a Redis Cluster, instead of REDIS_URL. */
  REDIS_CLUSTER_NODES?: string[] | undefined;
  /** Sentinels (host:port) watching the primary named REDIS_SENTINEL_NAME, instead of REDIS_URL. */
  REDIS_SENTINELS?: string[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  /** The sentinels' own password, if they require one. */
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  /** The password of cluster nodes or of the Sentinel-managed primary (a URL carries its own). */
  REDIS_PASSWORD?: string | undefined;
  LOCAL_DATA_DIR: string;
  DB_POOL_SIZE: number;
  /** mysql://… of a read replica of the database; unset: no replica. */
  DATABASE_REPLICA_URL?: string | undefined;
}

export interface Infrastructure {
  db: Db;
  redis: RedisClient;
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
    const configured = configuredRedis(env);
    if (!redisUrl && !configured) {
      const redisService = await startRedis({ dataDir: env.LOCAL_DATA_DIR, log });
      owned.push(redisService);
      redisUrl = redisService.url;
      logger.info({ port: redisService.port }, 'local Redis started (REDIS_URL unset)');
    }

    if (owned.length > 0) {
      unpublish = publishLocalEndpoints(env.LOCAL_DATA_DIR, {
        ...(env.DATABASE_URL ? {} : { databaseUrl }),
        ...(env.REDIS_URL || configured ? {} : { redisUrl }),
      });
    }
    const db = createDb(databaseUrl, { poolSize: env.DB_POOL_SIZE });
    await migrate(db);
    logger.info('database migrations applied');
    const redis = createRedis(configured ?? redisUrl!, logger);
    // Opened lazily by mysql2: a replica down at start only sends reads to the primary.
    const replicaDb = env.DATABASE_REPLICA_URL ? createDb(env.DATABASE_REPLICA_URL, { poolSize: env.DB_POOL_SIZE }) : null;

    return {
      db,
      redis,
      replicaDb,
      async close() {
        await Promise.allSettled([closeDb(db), quitWithin(redis, 1000), ...(replicaDb ? [closeDb(replicaDb)] : [])]);
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

/** A cluster or Sentinel set named in the environment (env.ts allows at most one of them and REDIS_URL). */
function configuredRedis(env: InfrastructureEnv): RedisTarget | null {
  if (env.REDIS_CLUSTER_NODES?.length) return { clusterNodes: env.REDIS_CLUSTER_NODES, password: env.REDIS_PASSWORD };
  if (env.REDIS_SENTINELS?.length && env.REDIS_SENTINEL_NAME) {
    return { sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME, password: env.REDIS_PASSWORD, sentinelPassword: env.REDIS_SENTINEL_PASSWORD };
  }
  return null;
}

/**
 * QUIT waits for its reply, and on a cluster or node that is unreachable it waits in the offline
 * queue for a reconnect that may never come; the disconnect after it closes the sockets anyway.
 */
async function quitWithin(redis: RedisClient, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([redis.quit().catch(() => {}), waited]).finally(() => clearTimeout(timer));
}

async function stopAll(services: LocalService[]): Promise<void> {
  await Promise.allSettled(services.reverse().map((service) => service.stop()));
}
