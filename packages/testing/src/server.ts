import { createAppDeps, logSerializers, systemClock, type AiOptions, type AppDeps, type Clock, type CreateAppDepsOptions } from '@chorus/api';
import { startCallSweeper, type CallsOptions } from '@chorus/api';
import type { FilesOptions } from '@chorus/api';
import { createRedis } from '@chorus/server/infrastructure';
import { loopbackServerConfig, startServer, type RunningServer, type ServerConfig } from '@chorus/server/server';
import type { LocalService } from '@chorus/local-services';
import { createResendDriver, startMailWorker } from '@chorus/api/mail';
import pino from 'pino';
import type { FakeResend } from './fake-resend';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestRedis } from './redis';

export const TEST_ALLOWED_ORIGIN = 'http://app.chorus.test';

export interface TestServer extends RunningServer {
  deps: AppDeps;
  database: TestDatabase;
  /** The private Redis behind this server, when the test harness started it. */
  redisService: LocalService | null;
  /** Stops the server, closes its pools and drops its database. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<ServerConfig>;
  /** Share a database between servers (multi-instance tests). */
  database?: TestDatabase;
  /** Share a Redis between servers; default: a private one. */
  redisUrl?: string;
  clock?: Clock;
  appConfig?: CreateAppDepsOptions['config'];
  /** Every log line (all levels) is appended here: tests that prove secrets are never logged. */
  captureLogs?: string[];
  /** AI settings (short timeouts, a shared key ring for several instances, system providers). */
  ai?: AiOptions;
  /** Deliver mail to this fake Resend server through the real SDK (default: mail stays queued). */
  fakeResend?: FakeResend;
  /** Call settings (short ring timeout and drop grace, TURN). The call sweeper runs as in main.ts. */
  calls?: CallsOptions;
  /** Files settings (small limits, a short link lifetime, a shared dir and secret); default: a temporary dir per server. */
  files?: FilesOptions;
}

/** A real Chorus server on a free loopback port, with real MariaDB and Redis behind it. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const redisService = options.redisUrl ? null : await startTestRedis();
  const captured = options.captureLogs;
  const logger = captured
    ? pino({ level: 'trace', serializers: logSerializers }, { write: (line: string) => void captured.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent', serializers: logSerializers });
  const redis = createRedis(options.redisUrl ?? redisService!.url, logger);
  const deps = await createAppDeps({
    db: database.db,
    redis,
    logger,
    clock: options.clock ?? systemClock,
    config: { cookieSecure: false, ...options.appConfig },
    // The fake AI providers of tests listen on loopback.
    ai: { egress: { allowPrivateNetworks: true }, ...options.ai },
    calls: options.calls,
    files: options.files,
  });
  const mailWorker = options.fakeResend
    ? startMailWorker(deps, {
        driver: createResendDriver({ apiKey: options.fakeResend.apiKey, baseUrl: options.fakeResend.url }),
        from: 'Chorus <no-reply@chorus.test>',
        pollMs: 100,
        backoff: { baseMs: 50, maxMs: 400 },
      })
    : null;
  if (mailWorker) deps.mail.onWake(() => mailWorker.wake());
  const server = await startServer(deps, loopbackServerConfig({ publicOrigins: [TEST_ALLOWED_ORIGIN], ...options.config }));
  const callSweeper = startCallSweeper(deps);
  return {
    ...server,
    deps,
    database,
    redisService,
    async stop() {
      await server.close();
      await mailWorker?.stop();
      await callSweeper.stop();
      await deps.close();
      redis.disconnect();
      await redisService?.stop();
      if (!options.database) await database.drop();
    },
  };
}
