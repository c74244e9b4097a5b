import { closeChorusClient } from '@chorus/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestClient, TEST_PASSWORD } from '@chorus/testing';
import { useServerBackends, spawnServerChild, terminateAndTime, waitForLogLine, type ServerChild, type TerminationOutcome } from './server-process';
import { describe, expect, it } from 'vitest';
import { devSecretOverTwoStarts } from './dev-secret-fixture';

const backends = useServerBackends();

describe('server process', () => {
  it('shuts down cleanly on SIGTERM: tells WebSocket clients to reconnect, closes pools, exits 0', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, SHUTDOWN_TIMEOUT_MS: '3000' });
    const listening = await waitForLogLine(server, 'listening');
    const url = String(listening.url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    let socketClosed = false;
    const closes: Array<{ code?: number; reason?: string }> = [];
    const client = createTestClient(url, {
      onSocketClose: (cause) => {
        socketClosed = true;
        closes.push({ code: cause?.code, reason: (cause as { reason?: string } | undefined)?.reason });
      },
    });
    await new Promise<void>((resolve, reject) => {
      client.system.clock.subscribe({ intervalMs: 100 }, { onData: () => resolve(), onError: reject });
    });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
    expect(socketClosed).toBe(true);
    // Told to reconnect at its own moment of the drain; its new sockets refused (this instance is
    // the only one, and their failures close too), it was closed at the end with 1012 and a retry
    // hint within the spread window.
    const restart = closes.find((close) => close.code === 1012);
    expect(Number(/^server restarting; retry-ms=(\d+)$/.exec(restart?.reason ?? '')?.[1])).toBeLessThan(1800);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await closeChorusClient(client);
  });

  it('always exits 0 within the drain deadline, with a subscription open and calls in flight', async () => {
    // Ten real processes, two at a time: most of a run is the process loading its modules.
    const lanes = 2;
    const runsPerLane = 5;
    const outcomes = await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const results: ShutdownRun[] = [];
        for (let i = 0; i < runsPerLane; i++) results.push(await busyShutdown(lane * runsPerLane + i));
        return results;
      }),
    );
    const runs = outcomes.flat();
    expect(runs).toHaveLength(lanes * runsPerLane);
    expect(runs.filter((run) => run.code !== 0 || run.ms > EXIT_BOUND_MS || !run.completed)).toEqual([]);
  }, 240_000);

  it('refuses to start with an invalid variable and names it', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, PORT: 'not-a-port' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('PORT');
    expect(server.stderr()).toContain('.env.example');
  });

  it('refuses to start in production without the keys that seal AI provider keys', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, AI_ENCRYPTION_KEYS: '' });
    expect(await server.exited).toBe(1);
    const fatal = server.lines.find((line) => line.msg === 'server failed to start');
    expect(JSON.stringify(fatal)).toContain('AI_ENCRYPTION_KEYS is required in production');
  });

  it('outside production generates an AI key once under the data directory, with a warning', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chorus-ai-key-'));
    try {
      const env = {
        DATABASE_URL: backends.database.url,
        REDIS_URL: backends.redis.url,
        NODE_ENV: 'development',
        AI_ENCRYPTION_KEYS: '',
        LOCAL_DATA_DIR: dataDir,
      };
      const starts = await devSecretOverTwoStarts(
        env,
        'AI_ENCRYPTION_KEYS unset: provider keys are sealed with a development key kept in the local data directory',
      );
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
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url });
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

const SHUTDOWN_MS = 1000;
/**
 * The longest a clean exit may take: server.close gives WebSocket clients a reconnect grace
 * (SHUTDOWN_TIMEOUT_MS, at most 3 s), one second for closing handshakes, then HTTP requests
 * until SHUTDOWN_TIMEOUT_MS; two seconds then cover workers and pools on a busy machine.
 */
const EXIT_BOUND_MS = Math.min(SHUTDOWN_MS, 3000) + 1000 + SHUTDOWN_MS + 2000;
/** main.ts's own watchdog exits with 1 after 2 × SHUTDOWN_TIMEOUT_MS + 15 s: wait past it. */
const HUNG_AFTER_MS = 2 * SHUTDOWN_MS + 20_000;

interface ShutdownRun extends TerminationOutcome {
  run: number;
  /** The process logged "shutdown complete". */
  completed: boolean;
  stderr: string;
}

/**
 * Starts the server, opens a WebSocket subscription and a WebSocket that never reads again,
 * leaves an idle keep-alive connection and a request whose body never comes, starts a
 * sign-up (argon2, a transaction, queued mail) and sends SIGTERM while it runs, at a
 * different moment each run.
 */
async function busyShutdown(run: number): Promise<ShutdownRun> {
  const server = spawnServerChild({
    DATABASE_URL: backends.database.url,
    REDIS_URL: backends.redis.url,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS),
    RATE_LIMITS: 'registerPerIp=1000/3600',
  });
  try {
    return await exerciseAndTerminate(server, run);
  } finally {
    // A run that failed before its SIGTERM leaves no process behind.
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}

async function exerciseAndTerminate(server: ServerChild, run: number): Promise<ShutdownRun> {
  const url = String((await waitForLogLine(server, 'listening', 90_000)).url);
  const client = createTestClient(url);
  await new Promise<void>((resolve, reject) => {
    client.system.clock.subscribe({ intervalMs: 100 }, { onData: () => resolve(), onError: reject });
  });
  const silent = await silentWebSocket(url);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const stalled = request(`${url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
  stalled.on('error', () => {});
  stalled.write('{"json":');
  const signUp = client.auth.register.mutate({ email: `leaving${run}@example.com`, username: `leaving${run}`, password: TEST_PASSWORD }).catch(() => null);
  await sleep((run % 5) * 25);
  const outcome = await terminateAndTime(server, HUNG_AFTER_MS);
  await signUp;
  stalled.destroy();
  silent.destroy();
  await closeChorusClient(client);
  return { run, ...outcome, completed: server.lines.some((line) => line.msg === 'shutdown complete'), stderr: server.stderr() };
}

/** A WebSocket upgraded by hand that then stops reading: it never answers the closing handshake. */
async function silentWebSocket(url: string): Promise<Socket> {
  const { hostname, port, host } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.write(
    `GET /trpc HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const [response] = (await once(socket, 'data')) as [Buffer];
  expect(response.toString()).toMatch(/^HTTP\/1\.1 101 /);
  socket.pause();
  return socket;
}
