// Gapless delivery (gapless-scenario.ts) with the database on a three-node Galera cluster. Each
// server process talks to a different node (writes spread over the cluster, so concurrent
// sends to one conversation conflict in certification and are retried) through a failover
// proxy that prefers its node and moves on when it is gone; mid-run one node is SIGKILLed.
import { startFailoverProxy, startTestGalera, startTestRedis, type FailoverProxy, type TestGalera } from '@chorus/testing';
import type { LocalService } from '@chorus/local-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './gapless-receiver';
import { GaplessScenario } from './gapless-scenario';

let galera: TestGalera;
let redis: LocalService;
let proxies: FailoverProxy[] = [];
let scenario: GaplessScenario;

/** Node `index` first, then the others: the order a load balancer would fail over in. */
const preferring = (ports: number[], index: number) => [...ports.slice(index), ...ports.slice(0, index)];

beforeAll(async () => {
  [galera, redis] = await Promise.all([startTestGalera(), startTestRedis()]);
  const ports = galera.urls.map((url) => Number(new URL(url).port));
  proxies = await Promise.all([0, 1].map((index) => startFailoverProxy(preferring(ports, index))));
  const urlVia = (proxy: FailoverProxy) => {
    const url = new URL(galera.urls[0]!);
    url.host = proxy.host;
    return url.toString();
  };
  scenario = await GaplessScenario.start({ db: galera.db, envFor: (index) => ({ DATABASE_URL: urlVia(proxies[index]!), REDIS_URL: redis.url }) });
}, 90_000);

afterAll(async () => {
  await scenario?.close();
  await Promise.allSettled(proxies.map((proxy) => proxy.close()));
  await Promise.allSettled([redis?.stop(), galera?.stop()]);
}, 60_000);

describe('gapless delivery on a Galera cluster', () => {
  it('holds with each server on its own node while one node is SIGKILLed mid-run', async () => {
    const ports = galera.urls.map((url) => Number(new URL(url).port));
    // Server 1 writes through node 1 until it dies.
    expect(new Set(proxies[1]!.backends())).toEqual(new Set([ports[1]]));
    expect(new Set(proxies[0]!.backends())).toEqual(new Set([ports[0]]));
    const counts = await scenario.runPhase('galera-node-killed', async () => {
      await sleep(1500);
      await galera.cluster.kill(1);
    });
    console.info(`[gapless-galera] ${JSON.stringify(counts)}`);
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0 });
    // A send cut off by the dying node answered UNAVAILABLE (retried by the client), never an internal error.
    expect([...scenario.sendStats.errors.keys()].filter((error) => error.includes('Internal server error'))).toEqual([]);
    // Server 1 moved to another node; server 0 stayed on its own.
    expect(proxies[1]!.backends().length).toBeGreaterThan(0);
    expect(proxies[1]!.backends()).not.toContain(ports[1]);
    expect(new Set(proxies[0]!.backends())).toEqual(new Set([ports[0]]));
  }, 90_000);
});
