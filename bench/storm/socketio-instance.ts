// A Socket.IO instance of the storm, in its own process (fork): the baseline server
// (baselines/socketio-server.ts) with connection state recovery and the Redis Streams adapter
// (@socket.io/redis-streams-adapter), which carries broadcasts between instances and keeps the
// sessions and their missed packets in Redis, so a client that lost its instance can be restored
// by another. Gets the directory over IPC, tells the parent its receiver URL.
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Directory } from '../baselines/store';
import { startSocketIoBaseline } from '../baselines/socketio-server';
import { closeDb, createDb, createLogger, createRedis } from '../lib/workspace';
import { redisTarget } from '../lib/redis-target';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: storm/socketio-instance.ts <databaseUrl> <redisUrl>');

const directory = await new Promise<Directory>((resolve) => process.once('message', (message) => resolve(message as Directory)));
const db = createDb(databaseUrl, { poolSize: 10 });
const redis = createRedis(redisTarget(redisUrl), createLogger({ LOG_LEVEL: 'silent', LOG_FORMAT: 'json', NODE_ENV: 'production' }));
const baseline = await startSocketIoBaseline(db.$client, directory, {
  adapter: createAdapter(redis, { streamName: 'storm-socketio' }),
  // As Socket.IO's documentation shows it: sessions kept 2 minutes, middlewares skipped on recovery.
  connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
});

process.on('message', (message) => {
  if (message !== 'stop') return;
  void baseline.close().finally(async () => {
    redis.disconnect();
    await closeDb(db).catch(() => {});
    process.exit(0);
  });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ url: baseline.url });
