// One Chorus instance of the observability comparison (lib/observability.ts), in its own process
// (fork) on the stack's database and Redis: `off` as the harness's server runs, `metrics` with
// createPromMetrics and the /metrics listener on a free loopback port, `tracing` with
// startTracing reading the OTEL_* variables its parent set (as the server's main does). Tells the
// parent its URLs, stops on 'stop' or when the parent goes away. Prints nothing.
import { serverLogLevel } from './harness';
import type { ObsMode } from './observability';
import * as ws from './workspace';
import { redisTarget } from './redis-target';

const [databaseUrl, redisUrl, modeArg] = process.argv.slice(2);
const mode = modeArg as ObsMode;
if (!databaseUrl || !redisUrl || !['off', 'metrics', 'tracing'].includes(mode))
  throw new Error('usage: observed-instance.ts <databaseUrl> <redisUrl> off|metrics|tracing');

const db = ws.createDb(databaseUrl, { poolSize: 10 });
const logger = ws.createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = ws.createRedis(redisTarget(redisUrl), logger);
const prom = mode === 'metrics' ? ws.createPromMetrics({ db, redis }) : undefined;
const tracing = mode === 'tracing' ? ws.startTracing({ resourceAttributes: { 'service.instance.id': 'bench-tracing' } }) : undefined;
const deps = await ws.createAppDeps({ db, redis, logger, clock: ws.systemClock, metrics: prom?.metrics, tracer: tracing?.tracer ?? null });
// The ping comparison's clients call public procedures on sockets they never sign in on (as the harness's server allows).
const server = await ws.startServer(deps, ws.loopbackServerConfig({ wsAuthTimeoutMs: 3_600_000 }));
const metricsServer = prom ? await ws.startMetricsServer(prom.registry, { host: '127.0.0.1', port: 0 }) : undefined;

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await metricsServer?.close().catch(() => {});
    await server.close().catch(() => {});
    await deps.close().catch(() => {});
    prom?.close();
    redis.disconnect();
    await ws.closeDb(db).catch(() => {});
    await tracing?.shutdown().catch(() => {});
    process.exit(0);
  })());

process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ url: server.url, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) });
