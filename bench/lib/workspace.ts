// Every workspace import of the benchmarks goes through this one file.
import { createChorusClient, type ChorusClient, type ChorusClientOptions } from '@chorus/client';
import WebSocket from 'ws';

export { createAppDeps, createPromMetrics, createSession, systemClock, type AppDeps } from '@chorus/api';
export { redisNodes, type Clock, type RedisClient } from '@chorus/api';
export { appCodeOf, closeChorusClient, type AiStreamEvent, type ChorusClient } from '@chorus/client';
export { closeDb, createDb, ensureDatabase, files as filesTable, migrate, users, type Db } from '@chorus/db';
export { startMariaDb, startRedis, startRedisCluster, type LocalService } from '@chorus/local-services';
export { createLogger, createRedis, loopbackServerConfig, startMetricsServer, startServer, startTracing, type RunningServer } from '@chorus/runtime';

// The openai SDK through the very copy the server uses (bench/ may not depend on it itself): the ai
// bench's direct calls, the baseline Chorus is compared with, run the same SDK code.
export { default as OpenAI } from '../../packages/api/node_modules/openai/index.mjs';
export type { FakeOpenAi } from '@chorus/testing';

export const repoRoot = new URL('../..', import.meta.url).pathname;

/** Loaded on demand: @chorus/testing also pulls in vitest, which no other benchmark needs. */
export async function startFakeOpenAi(...args: Parameters<typeof import('@chorus/testing').startFakeOpenAi>) {
  const { startFakeOpenAi: start } = await import('@chorus/testing');
  return start(...args);
}

/** tus-js-client (the copy @chorus/testing re-exports), loaded on demand for the same reason. */
export async function loadTusClient(): Promise<typeof import('@chorus/testing').tus> {
  const { tus } = await import('@chorus/testing');
  return tus;
}

/** A self-signed loopback certificate with its key in one PEM text, loaded on demand for the same reason. */
export async function loopbackCertificate(): Promise<string> {
  const { loopbackCertificate: make } = await import('@chorus/testing');
  return make();
}

/** The real typed client, as a Node script uses it. */
export function createBenchClient(url: string, options: Partial<ChorusClientOptions> = {}): ChorusClient {
  return createChorusClient({ url, WebSocket, ...options });
}

/** The real client's reconnect timing (full-jitter backoff, servers' retry hints), for clients of the load processes. */
export { ReconnectSchedule, retryHintOf } from '@chorus/client';
