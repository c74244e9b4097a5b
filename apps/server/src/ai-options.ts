import { loadOrCreateDevKeyRing, parseKeyRing, type AiOptions, type KeyRing } from '@chorus/api';
import type { Logger } from 'pino';
import type { Env } from './env';
import { secretsMayLiveWithLocalData } from './local-secrets';

/**
 * The key ring that seals users' provider keys. Production must configure it; elsewhere (see
 * local-secrets.ts) a key is generated once under the local data directory, with a warning.
 */
export async function loadKeyRing(env: Env, logger: Logger): Promise<KeyRing> {
  if (env.AI_ENCRYPTION_KEYS) {
    try {
      return parseKeyRing(env.AI_ENCRYPTION_KEYS);
    } catch (error) {
      throw new Error(`AI_ENCRYPTION_KEYS: ${error instanceof Error ? error.message : 'invalid'}`, { cause: error });
    }
  }
  if (!secretsMayLiveWithLocalData(env)) {
    throw new Error('AI_ENCRYPTION_KEYS is required in production: set it to "1:<base64 of 32 random bytes>" (e.g. 1:$(openssl rand -base64 32))');
  }
  const { ring, created, path } = await loadOrCreateDevKeyRing(env.LOCAL_DATA_DIR);
  logger.warn({ path, created }, 'AI_ENCRYPTION_KEYS unset: provider keys are sealed with a development key kept in the local data directory');
  return ring;
}

export async function loadAiOptions(env: Env, logger: Logger): Promise<AiOptions> {
  return {
    keyRing: await loadKeyRing(env, logger),
    systemProviders: env.AI_SYSTEM_PROVIDERS ?? [],
    egress: { allowPrivateNetworks: env.AI_ALLOW_PRIVATE_NETWORKS ?? env.NODE_ENV !== 'production' },
    maxConcurrentPerUser: env.AI_MAX_CONCURRENT_PER_USER,
    idleTimeoutMs: env.AI_IDLE_TIMEOUT_MS,
    requestTimeoutMs: env.AI_REQUEST_TIMEOUT_MS,
  };
}
