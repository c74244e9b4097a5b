// Gapless delivery (gapless-scenario.ts) with the server processes on a Redis Cluster of three
// primaries with a replica each: random socket cuts, one server process SIGKILLed, and the
// primary holding the busiest conversation's slot SIGKILLed so that its replica takes over, all
// in one phase. Every receiver must end with every message once, in order, and no resync.
import { createTestDatabase, redisEnvOf, startTestRedisCluster, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './gapless-receiver';
import { GaplessScenario } from './gapless-scenario';

let database: TestDatabase;
let cluster: Awaited<ReturnType<typeof startTestRedisCluster>>;
let scenario: GaplessScenario;

beforeAll(async () => {
  [database, cluster] = await Promise.all([createTestDatabase(), startTestRedisCluster({ primaries: 3, replicasPerPrimary: 1 })]);
  scenario = await GaplessScenario.start({ db: database.db, envFor: () => ({ DATABASE_URL: database.url, ...redisEnvOf(cluster.url) }) });
}, 120_000);

afterAll(async () => {
  await scenario?.close();
  await Promise.allSettled([cluster?.stop(), database?.drop()]);
}, 60_000);

describe('gapless delivery on a Redis Cluster', () => {
  it('loses, repeats and reorders nothing through socket cuts, a killed server process and a primary failover', async () => {
    // The conversation with the most members is the busiest: every sender writes to it.
    const busiest = [...scenario.chats].sort((a, b) => b.members.length - a.members.length)[0]!;
    // Its publish cursor, audience and bodies carry its hash tag (redis-keys.ts).
    const key = `chorus:{c${busiest.id}}:pub`;
    const slot = await cluster.slotOf(key);
    const primary = await cluster.primaryForKey(key);
    const victim = scenario.servers[1]!;
    let promoted = 0;
    const counts = await scenario.runPhase('cluster', async () => {
      await sleep(700);
      victim.child.kill('SIGKILL');
      await sleep(1500);
      await cluster.kill(primary);
      promoted = await cluster.waitForFailover(slot, 30_000);
    });
    console.log(`[gapless-cluster] primary ${primary} of slot ${slot} (conversation ${busiest.id}) killed, replica ${promoted} took over`, counts);
    expect(promoted).not.toBe(primary);
    expect(victim.child.signalCode).toBe('SIGKILL');
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0 });
  }, 150_000);

  it('lets its server processes exit promptly on SIGTERM once the whole cluster is gone', async () => {
    await cluster.stop();
    const survivor = scenario.servers[0]!;
    const started = Date.now();
    // SIGTERM to every process; work waiting on the vanished cluster must not hold shutdown.
    await scenario.close();
    // SHUTDOWN_TIMEOUT_MS is 2000 here; the steps after the drain are bounded at a few seconds.
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(await survivor.exited).toBe(0);
  }, 30_000);
});
