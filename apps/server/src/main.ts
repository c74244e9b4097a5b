import { createAppDeps, createPromMetrics } from '@chorus/api';
import { createLogDriver, createResendDriver } from '@chorus/api/mail';
import { connectInfrastructure, createLogger, startBackgroundJobs, startMetricsServer, startServer, startTracing, tracingRequested } from '@chorus/runtime';
import { loadFilesOptions } from './files-options';
import { loadAiOptions } from './ai-options';
import { loadCallsOptions } from './calls-options';
import { loadPreviewsOptions } from './previews-options';
import { loadPushOptions } from './push-options';
import { loadMailLinksOptions } from './mail-links-options';
import { loadEnv } from './env';
import { findWebRoot } from './web-root';
import { closeWithin } from './shutdown-step';
import { handleProcessFailures } from './process-failures';

const env = loadEnv();
const logger = createLogger(env);
handleProcessFailures(logger);

async function main(): Promise<void> {
  // OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) turns traces on; the other OTEL_* variables tune them.
  const tracing = tracingRequested()
    ? startTracing({ logger, ...(env.TRACES_SAMPLE_RATIO !== undefined ? { sampleRatio: env.TRACES_SAMPLE_RATIO } : {}) })
    : null;
  if (tracing) logger.info({ component: 'tracing' }, 'traces exported over OTLP/HTTP');
  const ai = await loadAiOptions(env, logger);
  const files = await loadFilesOptions(env, logger);
  const calls = loadCallsOptions(env);
  const push = await loadPushOptions(env, logger);
  const mailLinks = loadMailLinksOptions(env, files.linkSecret ?? '');
  const webRoot = findWebRoot(env.WEB_DIST_DIR, logger);
  const infra = await connectInfrastructure(env, logger);
  // Metrics off (METRICS_PORT unset): the no-op Metrics, no registry, no listener.
  const prom = env.METRICS_PORT === undefined ? null : createPromMetrics({ db: infra.db, redis: infra.redis });
  const deps = await createAppDeps({
    db: infra.db,
    redis: infra.redis,
    logger,
    config: {
      cookieSecure: env.SESSION_COOKIE_SECURE ?? env.NODE_ENV === 'production',
      rateLimits: env.RATE_LIMITS,
      eventRetentionMs: env.EVENT_RETENTION_HOURS * 3600 * 1000,
      eventRedisWindowMs: Math.round(env.EVENT_REDIS_WINDOW_MINUTES * 60_000),
    },
    ai,
    calls,
    files,
    tracer: tracing?.tracer ?? null,
    metrics: prom?.metrics,
    previews: loadPreviewsOptions(env),
    search: { mode: env.SEARCH_ENGINE },
    push,
    mailLinks,
    replica: { replica: infra.replicaDb },
  });
  const driver = env.RESEND_API_KEY ? createResendDriver({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL }) : createLogDriver(logger);
  if (!env.RESEND_API_KEY) logger.warn('RESEND_API_KEY unset: mail is logged, not sent');
  const DAY_MS = 24 * 3600 * 1000;
  const jobs = startBackgroundJobs(deps, {
    mail: { driver, from: env.MAIL_FROM },
    notificationCleanup: {
      readMaxAgeMs: env.NOTIFICATION_READ_MAX_AGE_DAYS * DAY_MS,
      maxAgeMs: env.NOTIFICATION_MAX_AGE_DAYS * DAY_MS,
    },
  });

  const server = await startServer(deps, {
    host: env.HOST,
    port: env.PORT,
    publicOrigins: env.PUBLIC_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    httpMaxBodyBytes: env.HTTP_MAX_BODY_BYTES,
    httpMaxBatch: env.HTTP_MAX_BATCH,
    wsMaxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
    wsPingMs: env.WS_PING_MS,
    wsPongWaitMs: env.WS_PONG_WAIT_MS,
    wsMaxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
    wsCompression: env.WS_COMPRESSION,
    wsAuthTimeoutMs: env.WS_AUTH_TIMEOUT_MS,
    wsMaxUnauthenticatedPerIp: env.WS_MAX_UNAUTHENTICATED_PER_IP,
    listenBacklog: env.LISTEN_BACKLOG,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    webRoot,
  });
  logger.info({ url: server.url, port: server.port }, 'listening');
  const metricsServer =
    prom && env.METRICS_PORT !== undefined ? await startMetricsServer(prom.registry, { host: env.METRICS_HOST, port: env.METRICS_PORT }) : null;
  if (metricsServer) logger.info({ url: metricsServer.url }, 'metrics listening');
  if (webRoot) logger.info({ url: `${server.url}/`, webRoot }, `web app at ${server.url}/`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(
      () => {
        logger.error('shutdown did not finish in time');
        process.exit(1);
      },
      env.SHUTDOWN_TIMEOUT_MS * 2 + 15_000,
    );
    watchdog.unref();
    await server.close();
    await metricsServer?.close();
    // Bounded: a Redis or database gone for good must not keep the process from exiting.
    await closeWithin(logger, 'jobs', jobs.stop());
    await closeWithin(logger, 'services', deps.close());
    prom?.close();
    await closeWithin(logger, 'infrastructure', infra.close());
    await tracing?.shutdown();
    logger.info('shutdown complete');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'server failed to start');
  logger.flush();
  process.exit(1);
});
