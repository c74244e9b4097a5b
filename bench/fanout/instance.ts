// A second Chorus instance for the fanout benchmark, in its own process (fork): its own pools,
// EventHub, publisher and HTTP/WebSocket server on the same MariaDB database and Redis as the
// first. Prints nothing; tells the parent its URL, stops on 'stop' or when the parent goes away.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { serverLogLevel } from '../lib/harness';
import type { InstanceCounters } from './step-counters';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, systemClock } from '../lib/workspace';
import { redisTarget } from '../lib/redis-target';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: fanout/instance.ts <databaseUrl> <redisUrl>');

const db = createDb(databaseUrl, { poolSize: 10 });
const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = createRedis(redisTarget(redisUrl), logger);
const deps = await createAppDeps({ db, redis, logger, clock: systemClock });
const server = await startServer(deps, loopbackServerConfig());
// BENCH_FANOUT_LOCAL_HANDOVER=0: every live copy through Redis, as before local hand-over.
if (process.env.BENCH_FANOUT_LOCAL_HANDOVER === '0') deps.realtime.streams.local = null;
// BENCH_FANOUT_LINGER_MS: the send queue's linger (SendQueueOptions.lingerMs) instead of its default.
if (process.env.BENCH_FANOUT_LINGER_MS) deps.sendQueue.lingerMs = Number(process.env.BENCH_FANOUT_LINGER_MS);

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await server.close().catch(() => {});
    await deps.close().catch(() => {});
    redis.disconnect();
    await closeDb(db).catch(() => {});
    process.exit(0);
  })());

// Counters per message (step-counters.ts) and, with BENCH_FANOUT_PROFILE, a CPU profile of this instance.
let profiler: Session | undefined;
const post = <R>(method: string) =>
  new Promise<R>((resolve, reject) => profiler!.post(method, (error, result) => (error ? reject(error) : resolve(result as R))));
process.on('message', (message: string | { op: 'counters' | 'profile-start' | 'profile-stop'; file?: string }) => {
  if (message === 'stop') return void stop();
  if (typeof message !== 'object') return;
  void (async () => {
    if (message.op === 'counters') {
      const { sendQueue, realtime } = deps;
      const counters: InstanceCounters = { ...sendQueue.stats, ...realtime.hub.stats };
      process.send?.({ counters });
    } else if (message.op === 'profile-start') {
      profiler = new Session();
      profiler.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
      process.send?.({ profiling: true });
    } else if (message.op === 'profile-stop' && profiler) {
      const { profile } = await post<{ profile: object }>('Profiler.stop');
      writeFileSync(message.file!, JSON.stringify(profile));
      profiler.disconnect();
      profiler = undefined;
      process.send?.({ profiled: message.file });
    }
  })();
});
process.on('disconnect', () => void stop());
process.send?.({ url: server.url });
