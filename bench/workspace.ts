// Every workspace import of the benchmarks goes through this one file.
import { createChorusClient, type ChorusClient, type ChorusClientOptions } from '@chorus/client';
import WebSocket from 'ws';

export { createAppDeps, createSession, systemClock, type AppDeps } from '@chorus/api';
export { appCodeOf, closeChorusClient, type ChorusClient } from '@chorus/client';
export { closeDb, createDb, ensureDatabase, migrate, users, type Db } from '@chorus/db';
export { startMariaDb, startRedis, type LocalService } from '@chorus/local-services';
export { createRedis } from '@chorus/server/infrastructure';
export { createLogger } from '@chorus/server/logger';
export { loopbackServerConfig, startServer, type RunningServer } from '@chorus/server/server';

export const repoRoot = new URL('..', import.meta.url).pathname;

/** The real typed client, as a Node script uses it. */
export function createBenchClient(url: string, options: Partial<ChorusClientOptions> = {}): ChorusClient {
  return createChorusClient({ url, WebSocket, ...options });
}
