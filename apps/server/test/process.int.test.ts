import { closeChorusClient } from '@chorus/client';
import type { LocalService } from '@chorus/local-services';
import { createTestClient, createTestDatabase, spawnServerChild, startTestRedis, waitForLogLine, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: LocalService;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
});
afterAll(async () => {
  await Promise.all([database?.drop(), redis?.stop()]);
});

describe('server process', () => {
  it('shuts down cleanly on SIGTERM: tells WebSocket clients to reconnect, closes pools, exits 0', async () => {
    const server = spawnServerChild({ DATABASE_URL: database.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '3000' });
    const listening = await waitForLogLine(server, 'listening');
    const url = String(listening.url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    let socketClosed = false;
    const client = createTestClient(url, { onSocketClose: () => (socketClosed = true) });
    await new Promise<void>((resolve, reject) => {
      client.system.clock.subscribe({ intervalMs: 100 }, { onData: () => resolve(), onError: reject });
    });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
    expect(socketClosed).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await closeChorusClient(client);
  });

  it('refuses to start with an invalid variable and names it', async () => {
    const server = spawnServerChild({ DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: 'not-a-port' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('PORT');
    expect(server.stderr()).toContain('.env.example');
  });

  it('logs one line per call with request id, procedure and outcome', async () => {
    const server = spawnServerChild({ DATABASE_URL: database.url, REDIS_URL: redis.url });
    try {
      const listening = await waitForLogLine(server, 'listening');
      const pong = await createTestClient(String(listening.url)).system.ping.query();
      const line = await waitForLogLine(server, 'call');
      expect(line).toMatchObject({ requestId: pong.requestId, procedure: 'system.ping', outcome: 'ok', transport: 'http', userId: null });
      expect(typeof line.durationMs).toBe('number');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
