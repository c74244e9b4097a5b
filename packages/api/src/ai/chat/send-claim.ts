import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { findSent, type SendResult } from './sent-lookup';

const sendKey = (conversationId: number, clientId: string) => `chorus:ai:send:${conversationId}:${clientId}`;
const SEND_CLAIM_MS = 30_000;
const WAIT_MS = 10_000;

/**
 * One in-flight send per clientId across instances, claimed before any provider request, so
 * a retry that races the first attempt never makes a second (billed) request.
 */
export async function claimSend(deps: AppDeps, conversationId: number, clientId: string): Promise<boolean> {
  return (await deps.redis.set(sendKey(conversationId, clientId), '1', 'PX', SEND_CLAIM_MS, 'NX')) === 'OK';
}

/** A failed send lets a retry try again at once. */
export async function releaseSend(deps: AppDeps, conversationId: number, clientId: string): Promise<void> {
  await deps.redis.del(sendKey(conversationId, clientId)).catch(() => undefined);
}

/** The first attempt's result, once it is stored; CONFLICT if it failed or takes too long. */
export async function awaitOtherSend(deps: AppDeps, conversationId: number, clientId: string): Promise<SendResult> {
  const deadline = performance.now() + WAIT_MS;
  while (performance.now() < deadline) {
    await sleep(25);
    const inFlight = (await deps.redis.exists(sendKey(conversationId, clientId))) === 1;
    const sent = await findSent(deps, conversationId, clientId);
    if (sent) return sent;
    if (!inFlight) throw new AppError('CONFLICT', 'The first attempt of this message failed; send it again', { retryAfter: 1 });
  }
  throw new AppError('CONFLICT', 'The same message is still being sent; retry shortly', { retryAfter: 1 });
}
