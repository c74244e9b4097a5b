// Gapless delivery under failures (gapless-scenario.ts) on one MariaDB and one Redis with an
// append-only file. Phases: steady, Redis restarted mid-run, one server SIGKILLed mid-run, the
// survivor shut down gracefully for a new one.
import { createTestDatabase, startRestartableRedis, type RestartableRedis, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './gapless-receiver';
import { GaplessScenario } from './gapless-scenario';

let database: TestDatabase;
let redis: RestartableRedis;
let scenario: GaplessScenario;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startRestartableRedis()]);
  scenario = await GaplessScenario.start({ db: database.db, envFor: () => ({ DATABASE_URL: database.url, REDIS_URL: redis.url }) });
}, 120_000);

afterAll(async () => {
  await scenario?.close();
  await Promise.allSettled([redis?.stop(), database?.drop()]);
}, 60_000);

describe('gapless delivery across server processes', () => {
  it('every receiver gets every message once and in order while its connection is cut at random', async () => {
    await scenario.runPhase('steady', async () => {});
  }, 90_000);

  it('the same holds when Redis restarts mid-run (data kept)', async () => {
    const { servers } = scenario;
    const noticed = () => servers.filter((server) => server.lines.some((line) => line.msg === 'redis connection error')).length;
    expect(noticed()).toBe(0);
    await scenario.runPhase('redis-restart', async () => {
      await sleep(700);
      await redis.restart(1500);
    });
    // Both servers lost Redis for a while (and still delivered everything, with no resync: the data was kept).
    expect(noticed()).toBe(2);
  }, 90_000);

  it('the same holds when one server process is killed with SIGKILL (clients move to the other)', async () => {
    const victim = scenario.servers[1]!;
    await scenario.runPhase('sigkill', async () => {
      await sleep(700);
      victim.child.kill('SIGKILL');
      await victim.exited;
    });
    expect(victim.child.signalCode).toBe('SIGKILL');
    expect(scenario.wsProxy.stats.refusedBackends).toBeGreaterThan(0);
    // Everyone now talks to the survivor.
    expect(scenario.wsProxy.open().every((connection) => connection.backendPort === scenario.servers[0]!.port)).toBe(true);
  }, 90_000);

  it('the same holds when the last server shuts down gracefully and clients hand over to a new one', async () => {
    // SIGTERM tells WebSocket clients to reconnect: each opens a new socket and resubscribes
    // while the old one still delivers, then drops what both sent.
    const old = scenario.servers[0]!;
    const fresh = await scenario.spawnServer();
    await scenario.runPhase('sigterm', async () => {
      await sleep(700);
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
    });
    expect(scenario.wsProxy.open().every((connection) => connection.backendPort === fresh.port)).toBe(true);
  }, 90_000);
});
