import { aiConversations, aiMessages, type TAiConversationRow } from '@chorus/db';
import { and, eq, gt } from 'drizzle-orm';
import { retryOnDeadlock } from '../../db-errors';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import type { TProviderRef, TSendInput } from '../ai.schema';
import { providerRefOf, requireOwnAssistantMessage, requireOwnConversation } from '../conversations/ownership';
import { defaultProviderRef, resolveProvider } from '../providers/providers';
import { loadHistory } from '../generation/history';
import type { StoredMessages } from '../generation/generation-runner';
import type { GenerationSlot } from '../generation/slots';
import { announceStart, awaitOtherSend, claimSend, releaseSend } from './send-claim';
import { findSent, type SendResult } from './sent-lookup';
import { admitGeneration, startGeneration } from './start-generation';

async function providerFor(deps: AppDeps, userId: number, ref: TProviderRef | null | undefined) {
  return resolveProvider(deps, userId, ref ?? (await defaultProviderRef(deps, userId)));
}

/** Writes the question and its empty answer; one send at a time per conversation. */
function storeExchange(deps: AppDeps, conversationId: number, input: TSendInput, model: string): Promise<StoredMessages> {
  return retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      // Locks the conversation first (a concurrent retry of the same send then meets the unique
      // clientId cleanly), in the same statement that records the activity.
      await tx.update(aiConversations).set({ lastActivityAt: now }).where(eq(aiConversations.id, conversationId));
      const [user] = await tx
        .insert(aiMessages)
        .values({ conversationId, role: 'user', content: input.content, status: 'complete', clientId: input.clientId, createdAt: now, completedAt: now });
      const [answer] = await tx
        .insert(aiMessages)
        .values({ conversationId, role: 'assistant', content: '', status: 'streaming', replyToId: user.insertId, model, createdAt: now });
      await deps.search.enqueue(tx, [user.insertId], 'ai_message');
      return { userMessageId: user.insertId, assistantMessageId: answer.insertId };
    }),
  );
}

/**
 * Stores the user's message and an empty answer, and starts generating it; returns the ids at
 * once. What a user waits for is the first token, so independent steps run side by side and
 * the provider call starts while the messages are being written.
 */
export async function sendMessage(deps: AppDeps, userId: number, input: TSendInput): Promise<SendResult> {
  const [conversation, earlier, claimed] = await Promise.all([
    requireOwnConversation(deps.db, userId, input.conversationId),
    findSent(deps, input.conversationId, input.clientId),
    claimSend(deps, input.conversationId, input.clientId),
  ]);
  if (earlier) {
    // A retry after the first attempt's claim expired: its claim would tell streams opened by
    // clientId that the answer has yet to start, until it expired too.
    if (claimed) await releaseSend(deps, input.conversationId, input.clientId);
    return earlier;
  }
  // The same send is in flight elsewhere: its result is ours (one provider request per send).
  if (!claimed) return awaitOtherSend(deps, input.conversationId, input.clientId);
  try {
    return await sendClaimed(deps, userId, conversation, input);
  } catch (error) {
    await releaseSend(deps, input.conversationId, input.clientId);
    throw error;
  }
}

async function sendClaimed(deps: AppDeps, userId: number, conversation: TAiConversationRow, input: TSendInput): Promise<SendResult> {
  const [slot, provider, history] = await withSlot(
    admitGeneration(deps, userId),
    providerFor(deps, userId, input.configId ?? providerRefOf(conversation)),
    loadHistory(deps.db, conversation.id),
  );
  const stored = storeExchange(deps, conversation.id, input, provider.model);
  const marked = startGeneration(deps, {
    userId,
    conversationId: conversation.id,
    stored,
    provider,
    slot,
    history: [...history, { role: 'user', content: input.content }],
    controller: new AbortController(),
  });
  // If the messages were not stored, the generation drops itself and gives back its slot.
  const ids = await stored;
  await marked;
  // A stream opened by clientId (before this returns) waits for this.
  await announceStart(deps, conversation.id, input.clientId, ids.assistantMessageId).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'ai send start not announced');
  });
  return ids;
}

/** All results with the slot, or the first failure with the slot (if it was taken) given back. */
async function withSlot<A, B>(slot: Promise<GenerationSlot>, a: Promise<A>, b: Promise<B>): Promise<[GenerationSlot, A, B]> {
  const [taken, first, second] = await Promise.allSettled([slot, a, b]);
  if (taken.status === 'fulfilled' && first.status === 'fulfilled' && second.status === 'fulfilled') return [taken.value, first.value, second.value];
  if (taken.status === 'fulfilled') await taken.value.release();
  throw [taken, first, second].find((result): result is PromiseRejectedResult => result.status === 'rejected')!.reason;
}

/** Answers the same user message again; only the conversation's latest answer, once it has ended. */
export async function regenerate(deps: AppDeps, userId: number, assistantMessageId: number): Promise<{ assistantMessageId: number }> {
  const { message, conversation } = await requireOwnAssistantMessage(deps.db, userId, assistantMessageId);
  if (message.status === 'streaming') throw new AppError('GENERATION_RUNNING', 'This answer is still being generated; stop it first');
  const [later] = await deps.db
    .select({ id: aiMessages.id })
    .from(aiMessages)
    .where(and(eq(aiMessages.conversationId, conversation.id), gt(aiMessages.id, message.id)))
    .limit(1);
  if (later || message.replyToId === null) throw new AppError('CONFLICT', 'Only the latest answer can be regenerated');
  const replyToId = message.replyToId;
  const [slot, provider, history] = await withSlot(
    admitGeneration(deps, userId),
    providerFor(deps, userId, providerRefOf(conversation)),
    loadHistory(deps.db, conversation.id, replyToId),
  );
  const stored = retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      await tx.select({ id: aiConversations.id }).from(aiConversations).where(eq(aiConversations.id, conversation.id)).for('update');
      const [removed] = await tx.delete(aiMessages).where(and(eq(aiMessages.id, message.id), eq(aiMessages.status, message.status)));
      if (removed.affectedRows === 0) throw new AppError('CONFLICT', 'This answer changed meanwhile; try again');
      // Its text leaves the search index too.
      await deps.search.enqueue(tx, [message.id], 'ai_message');
      const now = deps.clock.now();
      const [answer] = await tx
        .insert(aiMessages)
        .values({ conversationId: conversation.id, role: 'assistant', content: '', status: 'streaming', replyToId, model: provider.model, createdAt: now });
      await tx.update(aiConversations).set({ lastActivityAt: now }).where(eq(aiConversations.id, conversation.id));
      return { userMessageId: replyToId, assistantMessageId: answer.insertId };
    }),
  );
  const marked = startGeneration(deps, { userId, conversationId: conversation.id, stored, provider, slot, history, controller: new AbortController() });
  const { assistantMessageId: newId } = await stored;
  await marked;
  return { assistantMessageId: newId };
}
