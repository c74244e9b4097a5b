import type { CallsOptions } from '@chorus/api';
import type { Env } from './env';

/** The calls domain's settings from the environment; TURN servers without their secret stop the start. */
export function loadCallsOptions(env: Env): CallsOptions {
  if (env.TURN_URLS.length > 0 && !env.TURN_SECRET) {
    throw new Error("TURN_URLS is set but TURN_SECRET is not: set the TURN server's static-auth-secret (coturn use-auth-secret)");
  }
  return {
    ringTimeoutMs: env.CALL_RING_TIMEOUT_MS,
    dropGraceMs: env.CALL_DROP_GRACE_MS,
    allowSharedConversation: env.CALLS_ALLOW_SHARED_CONVERSATION,
    stunUrls: env.STUN_URLS,
    turnUrls: env.TURN_URLS,
    turnSecret: env.TURN_SECRET ?? null,
    turnTtlSeconds: env.TURN_TTL_SECONDS,
  };
}
