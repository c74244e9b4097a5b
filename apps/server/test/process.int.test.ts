import { closeChorusClient } from '@chorus/client';
import type { LocalService } from '@chorus/local-services';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClient, createTestDatabase, startTestRedis, type TestDatabase } from '@chorus/testing';
import { spawnServerChild, waitForLogLine } from './server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSecretOverTwoStarts } from './dev-secret-fixture';

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

  it('refuses to start in production without the keys that seal AI provider keys', async () => {
    const server = spawnServerChild({ DATABASE_URL: database.url, REDIS_URL: redis.url, AI_ENCRYPTION_KEYS: '' });
    expect(await server.exited).toBe(1);
    const fatal = server.lines.find((line) => line.msg === 'server failed to start');
    expect(JSON.stringify(fatal)).toContain('AI_ENCRYPTION_KEYS is required in production');
  });

  it('outside production generates an AI key once under the data directory, with a warning', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chorus-ai-key-'));
    try {
      const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, NODE_ENV: 'development', AI_ENCRYPTION_KEYS: '', LOCAL_DATA_DIR: dataDir };
      const starts = await devSecretOverTwoStarts(env, 'AI_ENCRYPTION_KEYS unset: provider keys are sealed with a development key kept in the local data directory');
      expect(starts.map(({ warning }) => warning)).toMatchObject([
        { level: 40, created: true },
        { level: 40, created: false },
      ]);
      const keyFiles = starts.map(({ contents }) => contents);
      expect(keyFiles[0]).toBe(keyFiles[1]);
      expect(keyFiles[0]).toMatch(/^1:[A-Za-z0-9+/]{43}=\n$/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
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
