import { systemClock } from '@chorus/api';
import { loadEnv } from './env';
import { connectInfrastructure } from './infrastructure';
import { createLogger } from './logger';
import { startServer } from './server';

const env = loadEnv();
const logger = createLogger(env);

async function main(): Promise<void> {
  const infra = await connectInfrastructure(env, logger);
  const server = await startServer(
    { db: infra.db, redis: infra.redis, logger, clock: systemClock },
    {
      host: env.HOST,
      port: env.PORT,
      publicOrigins: env.PUBLIC_ORIGINS,
      trustProxy: env.TRUST_PROXY,
      httpMaxBodyBytes: env.HTTP_MAX_BODY_BYTES,
      wsMaxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
      wsPingMs: env.WS_PING_MS,
      wsPongWaitMs: env.WS_PONG_WAIT_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
  );
  logger.info({ url: server.url, port: server.port }, 'listening');

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      logger.error('shutdown did not finish in time');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS * 2 + 15_000);
    watchdog.unref();
    await server.close();
    await infra.close();
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
