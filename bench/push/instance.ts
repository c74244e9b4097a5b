// The push benchmark's Chorus instance (push/index.ts), in its own process so that it trusts the
// benchmark's receiver certificate (NODE_EXTRA_CA_CERTS is read at process start): the real
// server with its push fan-out and Web Push delivery workers, VAPID keys made for the run.
// Tells the parent its URL, stops on 'stop' or when the parent goes away. Prints nothing.
import { createECDH } from 'node:crypto';
import { startPushFanout, startPushWorker } from '@chorus/api';
import { serverLogLevel } from '../lib/harness';
import { closeDb, createAppDeps, createDb, createLogger, createRedis, loopbackServerConfig, startServer, systemClock } from '../lib/workspace';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: push/instance.ts <databaseUrl> <redisUrl>');

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const vapid = { publicKey: ecdh.getPublicKey('base64url'), privateKey: ecdh.getPrivateKey('base64url'), subject: 'mailto:bench@chorus.example' };

const db = createDb(databaseUrl, { poolSize: 10 });
const logger = createLogger({ LOG_LEVEL: serverLogLevel(), LOG_FORMAT: 'json', NODE_ENV: 'production' });
const redis = createRedis(redisUrl, logger);
// The receiver listens on loopback, which the egress guard refuses unless told.
const deps = await createAppDeps({ db, redis, logger, clock: systemClock, push: { vapid, allowPrivateNetworks: true } });
const fanout = startPushFanout(deps);
deps.pushFanout.onWake(() => fanout.wake());
const delivery = startPushWorker(deps, { concurrency: 64, batchSize: 256 });
deps.push.onWake(() => delivery.wake());
const server = await startServer(deps, loopbackServerConfig());

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await server.close().catch(() => {});
    await Promise.allSettled([fanout.stop(), delivery.stop()]);
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
