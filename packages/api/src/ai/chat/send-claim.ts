import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { conversationTag } from '../../redis-keys';
import { findSent, type SendResult } from './sent-lookup';

// The claim and the channel its start is announced on share the conversation's tag (one slot).
const sendKey = (conversationId: number, clientId: string) => `chorus:${conversationTag(conversationId)}:ai-send:${clientId}`;
/** The sharded channel a send's start is announced on to streams waiting for it (see GenerationLog.onStart). */
export const startKey = (conversationId: number, clientId: string) => `chorus:${conversationTag(conversationId)}:ai-start:${clientId}`;
/** The claim's value while the send has not yet started its answer (then it is the answer's id). */
const IN_FLIGHT = 'pending';
const SEND_CLAIM_MS = 30_000;
const WAIT_MS = 10_000;

/**
 * One in-flight send per clientId across instances, claimed before any provider request, so
 * a retry that races the first attempt never makes a second (billed) request.
 */
export async function claimSend(deps: AppDeps, conversationId: number, clientId: string): Promise<boolean> {
  return (await deps.redis.set(sendKey(conversationId, clientId), IN_FLIGHT, 'PX', SEND_CLAIM_MS, 'NX')) === 'OK';
}

/** Once the answer runs: its id becomes the claim's value, and streams waiting for it hear it. */
export async function announceStart(deps: AppDeps, conversationId: number, clientId: string, assistantMessageId: number): Promise<void> {
  await deps.ai.log.announceStart(sendKey(conversationId, clientId), startKey(conversationId, clientId), assistantMessageId);
}

/**
 * The answer of a send, if it has started: from the claim while it lasts (a claim still in
 * flight means not yet), else, when `stored` is asked for, from the stored messages (a send
 * older than its claim).
 */
export async function sendState(deps: AppDeps, conversationId: number, clientId: string, options: { stored: boolean }): Promise<{ answerId: number | null }> {
  const claim = await deps.redis.get(sendKey(conversationId, clientId));
  if (claim === IN_FLIGHT) return { answerId: null };
  if (claim !== null) return { answerId: Number(claim) };
  if (!options.stored) return { answerId: null };
  return { answerId: (await findSent(deps, conversationId, clientId))?.assistantMessageId ?? null };
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
