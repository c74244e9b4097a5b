// A server process spawned as `pnpm start` runs it, for failure tests across real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalService } from '@chorus/local-services';
import { createTestDatabase, startTestRedis, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll } from 'vitest';

const LOOPBACK = '127.0.0.1';
const serverAppDir = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started server process and what it has said so far. */
export interface ServerChild {
  child: ChildProcess;
  /** Parsed JSON log lines, in order. */
  lines: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface ServerProcess extends ServerChild {
  url: string;
  port: number;
  /** SIGTERM (clean shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

/** `node --max-semi-space-size=64 --import tsx src/main.ts` in apps/server, as `pnpm start` runs it; does not wait. */
/**
 * A database and a Redis of this test file's own for the server processes it spawns: made before
 * its tests, removed after them. Read `database` and `redis` inside tests.
 */
export function useServerBackends(): { database: TestDatabase; redis: LocalService } {
  const backends = {} as { database: TestDatabase; redis: LocalService };
  beforeAll(async () => {
    [backends.database, backends.redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  });
  afterAll(async () => {
    await Promise.all([backends.database?.drop(), backends.redis?.stop()]);
  });
  return backends;
}

export function spawnServerChild(env: Record<string, string>): ServerChild {
  // Each process gets its own files directory (removed when it exits), never the repository's.
  const filesDir = env.FILES_DIR ? null : join(tmpdir(), `chorus-files-${randomBytes(6).toString('hex')}`);
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/main.ts'], {
    cwd: serverAppDir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      HOST: LOOPBACK,
      PORT: '0',
      // Production requires the server keys that seal AI provider keys.
      AI_ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      // And the secret that signs file links.
      FILES_LINK_SECRET: randomBytes(32).toString('base64'),
      ...(filesDir ? { FILES_DIR: filesDir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(async ([code]) => {
    if (filesDir) await rm(filesDir, { recursive: true, force: true });
    return code as number | null;
  });
  return { child, lines, stderr: () => stderr, exited };
}

/** The first log line with this `msg`, waiting for it; fails if the process exits first. */
export async function waitForLogLine(server: ServerChild, msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = server.lines.find((entry) => entry.msg === msg);
    if (line) return line;
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`server exited early: ${server.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr: ${server.stderr()}`);
    await sleep(25);
  }
}

/** A server process, resolved once its "listening" line is logged. */
export async function spawnServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const started = spawnServerChild(env);
  const listening = await waitForLogLine(started, 'listening', timeoutMs).catch((error: unknown) => {
    started.child.kill('SIGKILL');
    throw error;
  });
  return {
    ...started,
    url: String(listening.url),
    port: Number(listening.port),
    async stop() {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
      await started.exited;
    },
  };
}

/** How a SIGTERM ended: the exit code (null: a signal, 'hung': still running at the cap) and how long it took. */
export interface TerminationOutcome {
  code: number | null | 'hung';
  ms: number;
}

/**
 * Sends SIGTERM and times the exit. A process still running after `capMs` is killed with
 * SIGKILL and reported as hung, so a shutdown that never finishes fails a test instead of
 * stalling it.
 */
export async function terminateAndTime(server: ServerChild, capMs: number): Promise<TerminationOutcome> {
  const started = performance.now();
  server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), capMs)));
  const code = await Promise.race([server.exited, cap]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  if (code === 'hung') {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  return { code, ms };
}
