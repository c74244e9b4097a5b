// A second Chorus instance for the fanout benchmark, in its own process (fork): its own pools,
// EventHub, publisher and HTTP/WebSocket server on the same MariaDB database and Redis as the
// first. Prints nothing; tells the parent its URL, stops on 'stop' or when the parent goes away.
import { serverLogLevel } from '../lib/harness';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, systemClock } from '../lib/workspace';
import { redisTarget } from '../lib/redis-target';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: fanout/instance.ts <databaseUrl> <redisUrl>');

const db = createDb(databaseUrl, { poolSize: 10 });
const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = createRedis(redisTarget(redisUrl), logger);
const deps = await createAppDeps({ db, redis, logger, clock: systemClock });
const server = await startServer(deps, loopbackServerConfig());

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await server.close().catch(() => {});
    await deps.close().catch(() => {});
    redis.disconnect();
    await closeDb(db).catch(() => {});
    process.exit(0);
  })());

process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ url: server.url });
