import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeDb,
  createDb,
  createLogger,
  createRedis,
  ensureDatabase,
  migrate,
  repoRoot,
  startMariaDb,
  startRedis,
  startRedisCluster,
  startServer,
  loopbackServerConfig,
  systemClock,
  createAppDeps,
  type AppDeps,
} from './workspace';
import { log } from './log';
import { benchOnCluster, CLUSTER_PREFIX, redisTarget } from './redis-target';

export interface BenchStack {
  /** http://127.0.0.1:PORT of the running server. */
  url: string;
  deps: AppDeps;
  /** mysql://… of the bench database and redis://… of the Redis the server uses (for extra instances and baselines). */
  databaseUrl: string;
  redisUrl: string;
  /** This run's directory, .data/bench/run-<pid>, removed by `stop`: the server's FILES_DIR is `<dataDir>/files`. */
  dataDir: string;
  /** Stops the server, closes pools, stops private services and removes their data. Idempotent. */
  stop(): Promise<void>;
}

export type Cell = string | number;

export interface BenchReport {
  bench: string;
  /** One table row per measured case; the union of keys becomes the columns. */
  rows: Array<Record<string, Cell>>;
  /** Single figures that do not fit the table (memory, counts). */
  facts: Record<string, Cell>;
  notes: string[];
}

export type Benchmark = (stack: BenchStack) => Promise<BenchReport>;

const verbose = Boolean(process.env.BENCH_VERBOSE);
export { log } from './log';
const serviceLog = (msg: string): void => {
  if (verbose) log(msg);
};

type LogLevel = Parameters<typeof createLogger>[0]['LOG_LEVEL'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Silent by default: a log line per call would be part of what is measured. */
export function serverLogLevel(): LogLevel {
  const wanted = process.env.BENCH_LOG_LEVEL;
  return LOG_LEVELS.find((level) => level === wanted) ?? 'silent';
}

/**
 * The real server on 127.0.0.1 with MariaDB and Redis behind it: private ones under
 * .data/bench/run-<pid> unless DATABASE_URL / REDIS_URL point at running servers.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const dataDir = join(repoRoot, '.data', 'bench', `run-${process.pid}`);
  // Run in reverse order, so whatever was set up last is torn down first.
  const cleanups: Array<() => unknown> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        await Promise.resolve()
          .then(cleanup)
          .catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
      }
    })());

  try {
    const external = { db: process.env.DATABASE_URL, redis: process.env.REDIS_URL };
    // Private MariaDB/Redis data and the uploaded files (FILES_DIR) both live here.
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    let serverUrl: string;
    if (external.db) {
      const parsed = new URL(external.db);
      parsed.pathname = '';
      serverUrl = parsed.toString().replace(/\/$/, '');
    } else {
      log(`starting a private MariaDB in ${dataDir}`);
      const mariadb = await startMariaDb({ dataDir, log: serviceLog });
      cleanups.push(() => mariadb.stop());
      serverUrl = mariadb.url;
    }
    let redisUrl = external.redis;
    if (!redisUrl && benchOnCluster()) {
      log(`starting a private Redis Cluster (3 primaries) in ${dataDir}`);
      const cluster = await startRedisCluster({ dataDir, primaries: 3, replicasPerPrimary: 0, log: serviceLog });
      cleanups.push(() => cluster.stop());
      redisUrl = `${CLUSTER_PREFIX}${cluster.seeds}`;
    }
    if (!redisUrl) {
      const redisService = await startRedis({ dataDir, log: serviceLog });
      cleanups.push(() => redisService.stop());
      redisUrl = redisService.url;
    }

    // A fresh database each run, so figures never depend on what an earlier run left behind.
    const name = `chorus_bench_${randomBytes(6).toString('hex')}`;
    const databaseUrl = `${serverUrl}/${name}`;
    await ensureDatabase(databaseUrl);
    const db = createDb(databaseUrl, { poolSize: 10 });
    cleanups.push(() => closeDb(db));
    // A private server disappears with its data dir; a shared one must not keep our database.
    if (external.db) cleanups.push(() => db.$client.query(`DROP DATABASE IF EXISTS \`${name}\``));
    await migrate(db);

    const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
    const redis = createRedis(redisTarget(redisUrl), logger);
    cleanups.push(() => redis.disconnect());
    // The ai bench's fake provider listens on loopback, which the SSRF guard refuses by default;
    // its samples would also trip the per-user rate and concurrency limits meant for people, as the
    // search bench's thousand searches by one user would trip the search limit.
    const ai = { egress: { allowPrivateNetworks: true }, maxConcurrentPerUser: 1000 };
    // Uploads land on the disk the files bench compares with `cp` (not in the OS's temporary dir);
    // the limits leave room for its sizes, and it gives each upload its own user (60 uploads/min each).
    const files = { dir: join(dataDir, 'files'), maxFileBytes: 16 * 1024 ** 3, quotaBytes: 64 * 1024 ** 3 };
    const deps = await createAppDeps({
      db,
      redis,
      logger,
      clock: systemClock,
      ai,
      files,
      config: { rateLimits: { aiRequestsPerUser: { points: 1_000_000, seconds: 60 }, searchesPerUser: { points: 1_000_000, seconds: 60 } } },
    });
    cleanups.push(() => deps.close());
    // BENCH_WS_COMPRESSION=false measures the server as WS_COMPRESSION=false runs it.
    // The ping benchmark's clients call public procedures without signing in, on sockets that
    // outlive the production deadline for signing in.
    const server = await startServer(deps, loopbackServerConfig({ wsCompression: process.env.BENCH_WS_COMPRESSION !== 'false', wsAuthTimeoutMs: 3_600_000 }));
    cleanups.push(() => server.close());
    log(`server listening on ${server.url}`);
    return { url: server.url, deps, databaseUrl, redisUrl, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
