// One Chorus instance of the indexing comparison (search/indexing.ts), in its own process (fork)
// on the stack's database and Redis, with message indexing on or off as the search engine's
// switch sets it (search/engine.ts). Tells the parent its URL, stops on 'stop' or when the parent
// goes away. Prints nothing.
import { indexingOptions, type IndexingMode } from './engine';
import { serverLogLevel } from '../lib/harness';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, systemClock } from '../lib/workspace';
import { redisTarget } from '../lib/redis-target';

const [databaseUrl, redisUrl, modeArg] = process.argv.slice(2);
if (!databaseUrl || !redisUrl || (modeArg !== 'on' && modeArg !== 'off')) throw new Error('usage: search/instance.ts <databaseUrl> <redisUrl> on|off');
const mode: IndexingMode = modeArg;

const db = createDb(databaseUrl, { poolSize: 10 });
const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = createRedis(redisTarget(redisUrl), logger);
// One benchmark user searches far more often than a person would: no per-user limit here.
const config = { rateLimits: { searchesPerUser: { points: 1_000_000, seconds: 60 } } };
const deps = await createAppDeps({ db, redis, logger, clock: systemClock, config, ...indexingOptions(mode) });
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
