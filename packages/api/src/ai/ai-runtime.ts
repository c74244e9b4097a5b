import { randomBytes } from 'node:crypto';
import type { TAiParams } from '@chorus/db';
import type { RedisClient } from '../redis-client';
import type { Logger } from 'pino';
import { GenerationLog } from './generation/generation-log';
import { KeyVault, type KeyRing } from './security/key-vault';
import { createGuardedFetch, type EgressPolicy } from '../net/ssrf-guard';

/** A provider the operator offers to every user (from AI_SYSTEM_PROVIDERS); its key stays on the server. */
export interface SystemProvider {
  id: string;
  label: string;
  baseUrl: string;
  model: string;
  apiKey: string;
  params: TAiParams;
}

export interface AiSettings {
  egress: EgressPolicy;
  systemProviders: SystemProvider[];
  maxConcurrentPerUser: number;
  /** Provider silence that fails a generation, before the first token and between tokens. */
  idleTimeoutMs: number;
  /** One-shot calls: titles, suggestions, config tests, images. */
  requestTimeoutMs: number;
  /** Text is sent to subscribers in batches this far apart. */
  deltaFlushMs: number;
  /** How long a generation's log stays readable in Redis after its last entry. */
  logRetentionMs: number;
  /** A running generation refreshes its heartbeat this often; twice this without one means its process died. */
  heartbeatMs: number;
  /** How long `ai.chat.stream` by clientId waits for its send to start the answer. */
  sendWaitMs: number;
}

export const defaultAiSettings: Omit<AiSettings, 'egress' | 'systemProviders'> = {
  maxConcurrentPerUser: 3,
  idleTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  deltaFlushMs: 30,
  sendWaitMs: 15_000,
  logRetentionMs: 3600 * 1000,
  heartbeatMs: 5_000,
};

/** Without a key ring, keys are sealed under a random key that dies with the process (tests, benches). */
export type AiOptions = Partial<AiSettings> & { keyRing?: KeyRing };

/** The AI domain's process-wide parts, built once with the other deps. */
export interface AiRuntime {
  settings: AiSettings;
  vault: KeyVault;
  log: GenerationLog;
  /** fetch for provider calls: every connection re-checks the address (SSRF). */
  fetch: typeof fetch;
  /** Generations and titles running in the background here, awaited on shutdown. */
  tasks: Set<Promise<unknown>>;
  logger: Logger;
  close(): Promise<void>;
}

export async function createAiRuntime(redis: RedisClient, logger: Logger, options: AiOptions): Promise<AiRuntime> {
  const { keyRing, ...overrides } = options;
  const settings: AiSettings = { ...defaultAiSettings, egress: { allowPrivateNetworks: false }, systemProviders: [], ...overrides };
  const log = await GenerationLog.start(redis, logger, settings.logRetentionMs);
  const tasks = new Set<Promise<unknown>>();
  return {
    settings,
    vault: new KeyVault(keyRing ?? { current: 1, keys: new Map([[1, randomBytes(32)]]) }),
    log,
    fetch: createGuardedFetch(settings.egress, { connectTimeoutMs: Math.min(settings.requestTimeoutMs, 10_000) }),
    tasks,
    logger,
    async close() {
      log.abortAll();
      await Promise.allSettled([...tasks]);
      await log.close();
    },
  };
}

/** Runs `work` in the background, tracked so shutdown can wait for it. */
export function runInBackground(runtime: AiRuntime, work: () => Promise<unknown>): void {
  const task = work()
    .catch((error: unknown) => runtime.logger.error({ err: error }, 'ai background task failed'))
    .finally(() => runtime.tasks.delete(task));
  runtime.tasks.add(task);
}
