// The push benchmark's Chorus instance (push/index.ts), in its own process so that it trusts the
// benchmark's receiver certificate (NODE_EXTRA_CA_CERTS is read at process start): the real
// server with its push fan-out and Web Push delivery workers, VAPID keys made for the run.
// Tells the parent its URL, stops on 'stop' or when the parent goes away. Prints nothing.
import { createECDH } from 'node:crypto';
import { startPushFanout, startPushWorker } from '@chorus/api';
import { serverLogLevel } from '../lib/harness';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, systemClock } from '../lib/workspace';
import { redisTarget } from '../lib/redis-target';

const [databaseUrl, redisUrl, mode = 'on'] = process.argv.slice(2);
if (!databaseUrl || !redisUrl || (mode !== 'on' && mode !== 'off')) throw new Error('usage: push/instance.ts <databaseUrl> <redisUrl> [on|off]');

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const vapid = { publicKey: ecdh.getPublicKey('base64url'), privateKey: ecdh.getPrivateKey('base64url'), subject: 'mailto:bench@chorus.example' };

const db = createDb(databaseUrl, { poolSize: 10 });
const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = createRedis(redisTarget(redisUrl), logger);
// The receiver listens on loopback, which the egress guard refuses unless told.
// `off`: messages get no push job and no push worker runs here (as a server without push).
const deps = await createAppDeps({ db, redis, logger, clock: systemClock, push: { vapid, allowPrivateNetworks: true }, pushJobs: mode === 'on' });
const workers = mode === 'on' ? { fanout: startPushFanout(deps), delivery: startPushWorker(deps, { concurrency: 64, batchSize: 256 }) } : null;
if (workers) {
  deps.pushFanout.onWake(() => workers.fanout.wake());
  deps.push.onWake(() => workers.delivery.wake());
}
const server = await startServer(deps, loopbackServerConfig());

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await server.close().catch(() => {});
    await Promise.allSettled([workers?.fanout.stop(), workers?.delivery.stop()]);
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
