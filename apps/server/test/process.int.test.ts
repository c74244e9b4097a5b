import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { closeChorusClient } from '@chorus/client';
import type { LocalService } from '@chorus/local-services';
import { createTestClient, createTestDatabase, repoRoot, startTestRedis, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverDir = join(repoRoot, 'apps', 'server');
let database: TestDatabase;
let redis: LocalService;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
});
afterAll(async () => {
  await Promise.all([database?.drop(), redis?.stop()]);
});

interface ServerProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The real server entry point as `pnpm start` runs it, in its own process. */
function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, lines, stderr: () => stderr, exited };
}

async function waitForLine(server: ServerProcess, msg: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = server.lines.find((entry) => entry.msg === msg);
    if (line) return line;
    if (server.child.exitCode !== null) throw new Error(`server exited early: ${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr: ${server.stderr()}`);
}

describe('server process', () => {
  it('shuts down cleanly on SIGTERM: tells WebSocket clients to reconnect, closes pools, exits 0', async () => {
    const server = spawnServer({ DATABASE_URL: database.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '3000' });
    const listening = await waitForLine(server, 'listening');
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
    const server = spawnServer({ DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: 'not-a-port' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('PORT');
    expect(server.stderr()).toContain('.env.example');
  });

  it('logs one line per call with request id, procedure and outcome', async () => {
    const server = spawnServer({ DATABASE_URL: database.url, REDIS_URL: redis.url });
    try {
      const listening = await waitForLine(server, 'listening');
      const pong = await createTestClient(String(listening.url)).system.ping.query();
      const line = await waitForLine(server, 'call');
      expect(line).toMatchObject({ requestId: pong.requestId, procedure: 'system.ping', outcome: 'ok', transport: 'http', userId: null });
      expect(typeof line.durationMs).toBe('number');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
