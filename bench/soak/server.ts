// The soak's own Chorus instance, in this process, on the stack's database and Redis: its clock
// is one the benchmark moves forward (so a position the away member kept is a day old to it),
// and its events stay in Redis for the window the soak names.
import { serverLogLevel } from '../lib/harness';
import { redisTarget } from '../lib/redis-target';
import type { BenchStack } from '../lib/harness';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, type AppDeps, type Clock } from '../lib/workspace';

export interface SoakServer {
  url: string;
  deps: AppDeps;
  /** Moves the instance's clock (not the machine's, not Redis's) forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * Real time plus an offset, as `createShiftableClock` of @chorus/testing (which would load
 * vitest into the benchmark process, seconds on a busy machine, for five lines).
 */
function shiftableClock(): Clock & { advance(ms: number): void } {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms) {
      offsetMs += ms;
    },
  };
}

export async function startSoakServer(stack: BenchStack, windowMs: number): Promise<SoakServer> {
  const clock = shiftableClock();
  const db = createDb(stack.databaseUrl, { poolSize: 10 });
  const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
  const redis = createRedis(redisTarget(stack.redisUrl), logger);
  const cleanups: Array<() => unknown> = [() => closeDb(db), () => redis.disconnect()];
  const close = async () => {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch(() => {});
  };
  try {
    const deps = await createAppDeps({ db, redis, logger, clock, config: { eventRedisWindowMs: windowMs } });
    cleanups.push(() => deps.close());
    const server = await startServer(deps, loopbackServerConfig({ wsCompression: process.env.BENCH_WS_COMPRESSION !== 'false' }));
    cleanups.push(() => server.close());
    return { url: server.url, deps, advance: (ms) => clock.advance(ms), close };
  } catch (error) {
    await close();
    throw error;
  }
}
