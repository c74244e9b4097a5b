import {
  createAppDeps,
  createPromMetrics,
  logSerializers,
  systemClock,
  type AiOptions,
  type AppDeps,
  type CallsOptions,
  type Clock,
  type CreateAppDepsOptions,
  type FilesOptions,
  type PreviewsOptions,
  type PushOptions,
} from '@chorus/api';
import { createLogDriver, createResendDriver, type MailDriver } from '@chorus/api/mail';
import { closeDb, createDb } from '@chorus/db';
import type { LocalService } from '@chorus/local-services';
import {
  createRedis,
  loopbackServerConfig,
  startBackgroundJobs,
  startMetricsServer,
  startServer,
  type BackgroundJobsOptions,
  type RunningServer,
  type ServerConfig,
} from '@chorus/runtime';
import pino, { type Logger } from 'pino';
import type { FakeResend } from './fake-resend';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestRedis } from './redis';
import { redisTargetOf } from './redis-cluster';
import { sharedS3Server, testFilesDriver } from './s3-server';
import { testVapidKeys } from './fake-webpush';

export const TEST_ALLOWED_ORIGIN = 'http://app.chorus.test';

export interface TestServer extends RunningServer {
  deps: AppDeps;
  database: TestDatabase;
  /** The private Redis behind this server, when the test harness started it. */
  redisService: LocalService | null;
  /** http://127.0.0.1:<port>/metrics, with `metrics: true`; null otherwise. */
  metricsUrl: string | null;
  /** Stops the server, closes its pools and drops its database. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<ServerConfig>;
  /** Share a database between servers (multi-instance tests). */
  database?: TestDatabase;
  /** Share a Redis between servers (an address from startTestRedis or `redisService.url`); default: a private one. */
  redisUrl?: string;
  clock?: Clock;
  appConfig?: CreateAppDepsOptions['config'];
  /** Every log line (all levels) is appended here: tests that prove secrets are never logged. */
  captureLogs?: string[];
  /** AI settings (short timeouts, a shared key ring for several instances, system providers). */
  ai?: AiOptions;
  /**
   * Deliver mail to this fake Resend server through the real SDK. Default: the fake Resend of
   * a server already running on the same database, else the log driver (as a server without
   * RESEND_API_KEY).
   */
  fakeResend?: FakeResend;
  /** Periods of the background jobs (every job of main.ts runs; only its settings change). */
  jobs?: Omit<BackgroundJobsOptions, 'mail'>;
  /** Call settings (short ring timeout and drop grace, TURN). */
  calls?: CallsOptions;
  /** Files settings (small limits, a short link lifetime, a shared dir and secret); default: a temporary dir per server. */
  files?: FilesOptions;
  /** Trace this server's calls, queries and events (a tracer of @chorus/runtime startTracing); default: off. */
  tracer?: CreateAppDepsOptions['tracer'];
  /** Metrics on, served on a loopback listener of their own (`metricsUrl`); default off. */
  metrics?: boolean;
  /** Link previews (limits, egress); default: loopback allowed, like a server outside production. */
  previews?: PreviewsOptions;
  /** Message search: SEARCH_ENGINE's mode and the indexer's polling; default: the database's engine. */
  search?: CreateAppDepsOptions['search'];
  /** Push: default Web Push with the test VAPID keys (see fake-webpush.ts), loopback endpoints allowed. */
  push?: PushOptions;
  /** Links in mail (public URL, signing secret) and the digest delay. */
  mailLinks?: CreateAppDepsOptions['mailLinks'];
  /** A read replica of `database` (see startTestReplicaSet) and its waits; default: none. */
  replica?: { url: string; waitMs?: number; rememberMs?: number; downForMs?: number };
}

/** A real Chorus server on a free loopback port, with real MariaDB and Redis behind it. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const mail = mailDestination(database, options.fakeResend);
  const redisService = options.redisUrl ? null : await startTestRedis();
  const captured = options.captureLogs;
  const logger = captured
    ? pino({ level: 'trace', serializers: logSerializers }, { write: (line: string) => void captured.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent', serializers: logSerializers });
  // A cluster's or Sentinel set's test address becomes what createRedis takes for it ({ clusterNodes } or { sentinels, name }).
  const redis = createRedis(redisTargetOf(options.redisUrl ?? redisService!.url), logger);
  const replicaDb = options.replica ? createDb(options.replica.url, { poolSize: 5 }) : null;
  const prom = options.metrics ? createPromMetrics({ db: database.db, redis }) : null;
  const deps = await createAppDeps({
    db: database.db,
    redis,
    logger,
    clock: options.clock ?? systemClock,
    config: { cookieSecure: false, ...options.appConfig },
    // The fake AI providers of tests listen on loopback.
    ai: { egress: { allowPrivateNetworks: true }, ...options.ai },
    calls: options.calls,
    files: await filesOf(options.files),
    tracer: options.tracer,
    metrics: prom?.metrics,
    previews: { egress: { allowPrivateNetworks: true }, ...options.previews },
    search: options.search,
    push: { vapid: testVapidKeys(), allowPrivateNetworks: true, ...options.push },
    mailLinks: options.mailLinks,
    replica: replicaDb ? { ...options.replica, replica: replicaDb } : undefined,
  });
  const jobs = startBackgroundJobs(deps, {
    ...options.jobs,
    mail: { driver: mailDriver(mail.fake, logger), from: 'Chorus <no-reply@chorus.test>', pollMs: 100, backoff: { baseMs: 50, maxMs: 400 } },
    push: { pollMs: 100, backoff: { baseMs: 50, maxMs: 400 }, ...options.jobs?.push },
  });
  const server = await startServer(deps, loopbackServerConfig({ publicOrigins: [TEST_ALLOWED_ORIGIN], ...options.config }));
  const metricsServer = prom ? await startMetricsServer(prom.registry, { host: '127.0.0.1', port: 0 }) : null;
  return {
    ...server,
    deps,
    database,
    redisService,
    metricsUrl: metricsServer?.url ?? null,
    async stop() {
      await server.close();
      await metricsServer?.close();
      await jobs.stop();
      mail.release();
      await deps.close();
      if (replicaDb) await closeDb(replicaDb);
      prom?.close();
      redis.disconnect();
      await redisService?.stop();
      if (!options.database) await database.drop();
    },
  };
}

/**
 * Under CHORUS_TEST_FILES_STORAGE=s3, a server given no storage of its own gets a fresh bucket on
 * this test file's S3 server (created at start, as production creates a missing bucket).
 */
async function filesOf(files: FilesOptions = {}): Promise<FilesOptions> {
  if (testFilesDriver() !== 's3' || files.storage || files.s3 || files.dir) return files;
  return { ...files, s3: (await sharedS3Server()).settings() };
}

/**
 * Servers on one database share its mail outbox, and any of their workers may claim a mail:
 * like production instances sharing one provider, they all send through the fake Resend of
 * the first server on that database (or all log, when it had none).
 */
const mailOfDatabase = new WeakMap<TestDatabase, { fake: FakeResend | undefined }>();

function mailDestination(database: TestDatabase, fake: FakeResend | undefined): { fake: FakeResend | undefined; release(): void } {
  const shared = mailOfDatabase.get(database);
  if (shared) {
    if (fake && fake !== shared.fake) throw new Error('servers on one database send mail through one fake Resend: start the server with `fakeResend` first');
    return { fake: shared.fake, release: () => {} };
  }
  mailOfDatabase.set(database, { fake });
  return { fake, release: () => mailOfDatabase.delete(database) };
}

function mailDriver(fake: FakeResend | undefined, logger: Logger): MailDriver {
  return fake ? createResendDriver({ apiKey: fake.apiKey, baseUrl: fake.url }) : createLogDriver(logger);
}
