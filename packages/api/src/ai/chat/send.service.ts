import { aiConversations, aiMessages } from '@chorus/db';
import { and, desc, eq, gt } from 'drizzle-orm';
import { duplicateKeyOf, retryOnDeadlock } from '../../db-errors';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import type { TProviderRef, TSendInput } from '../ai.schema';
import { providerRefOf, requireOwnAssistantMessage, requireOwnConversation } from '../conversations/ownership';
import { defaultProviderRef, resolveProvider } from '../providers/providers';
import { loadHistory } from '../generation/history';
import type { GenerationSlot } from '../generation/slots';
import { admitGeneration, startGeneration } from './start-generation';

export interface SendResult {
  userMessageId: number;
  assistantMessageId: number;
}

/** A retried send (same clientId) returns the first one's messages. */
async function findSent(deps: AppDeps, conversationId: number, clientId: string): Promise<SendResult | null> {
  const [sent] = await deps.db
    .select({ id: aiMessages.id })
    .from(aiMessages)
    .where(and(eq(aiMessages.conversationId, conversationId), eq(aiMessages.clientId, clientId)))
    .limit(1);
  if (!sent) return null;
  const [answer] = await deps.db
    .select({ id: aiMessages.id })
    .from(aiMessages)
    .where(and(eq(aiMessages.conversationId, conversationId), eq(aiMessages.replyToId, sent.id)))
    .orderBy(desc(aiMessages.id))
    .limit(1);
  if (!answer) throw new AppError('CONFLICT', 'This message was sent, but its answer is gone');
  return { userMessageId: sent.id, assistantMessageId: answer.id };
}

async function providerFor(deps: AppDeps, userId: number, ref: TProviderRef | null | undefined) {
  return resolveProvider(deps, userId, ref ?? (await defaultProviderRef(deps, userId)));
}

/** Stores the user's message and an empty answer, and starts generating it. Returns at once. */
export async function sendMessage(deps: AppDeps, userId: number, input: TSendInput): Promise<SendResult> {
  // Independent steps run side by side: the time to the first token is the user's wait.
  const [conversation, earlier] = await Promise.all([requireOwnConversation(deps.db, userId, input.conversationId), findSent(deps, input.conversationId, input.clientId)]);
  if (earlier) return earlier;
  const [provider, slot] = await bothOrRelease(providerFor(deps, userId, input.configId ?? providerRefOf(conversation)), admitGeneration(deps, userId));
  const history = loadHistory(deps.db, conversation.id);
  let ids: SendResult;
  try {
    ids = await retryOnDeadlock(() => deps.db.transaction(async (tx) => {
      // One send at a time per conversation: a concurrent retry then meets the unique clientId cleanly.
      await tx.select({ id: aiConversations.id }).from(aiConversations).where(eq(aiConversations.id, conversation.id)).for('update');
      const now = deps.clock.now();
      const [user] = await tx.insert(aiMessages).values({ conversationId: conversation.id, role: 'user', content: input.content, status: 'complete', clientId: input.clientId, createdAt: now, completedAt: now });
      const [answer] = await tx
        .insert(aiMessages)
        .values({ conversationId: conversation.id, role: 'assistant', content: '', status: 'streaming', replyToId: user.insertId, model: provider.model, createdAt: now });
      await tx.update(aiConversations).set({ lastActivityAt: now }).where(eq(aiConversations.id, conversation.id));
      return { userMessageId: user.insertId, assistantMessageId: answer.insertId };
    }));
  } catch (error) {
    await slot.release();
    await history.catch(() => undefined);
    if (duplicateKeyOf(error)) {
      const raced = await findSent(deps, conversation.id, input.clientId);
      if (raced) return raced;
    }
    throw error;
  }
  const context = [...(await history), { role: 'user' as const, content: input.content }];
  await startGeneration(deps, { userId, conversationId: conversation.id, ...ids, provider, slot, history: context });
  return ids;
}

/** Both results, or the first failure with the slot (if it was taken) given back. */
async function bothOrRelease<P>(provider: Promise<P>, slot: Promise<GenerationSlot>): Promise<[P, GenerationSlot]> {
  const [resolved, admitted] = await Promise.allSettled([provider, slot]);
  if (resolved.status === 'fulfilled' && admitted.status === 'fulfilled') return [resolved.value, admitted.value];
  if (admitted.status === 'fulfilled') await admitted.value.release();
  throw resolved.status === 'rejected' ? resolved.reason : (admitted as PromiseRejectedResult).reason;
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
  const provider = await providerFor(deps, userId, providerRefOf(conversation));
  const slot = await admitGeneration(deps, userId);
  let newId: number;
  try {
    newId = await retryOnDeadlock(() => deps.db.transaction(async (tx) => {
      await tx.select({ id: aiConversations.id }).from(aiConversations).where(eq(aiConversations.id, conversation.id)).for('update');
      const [removed] = await tx.delete(aiMessages).where(and(eq(aiMessages.id, message.id), eq(aiMessages.status, message.status)));
      if (removed.affectedRows === 0) throw new AppError('CONFLICT', 'This answer changed meanwhile; try again');
      const now = deps.clock.now();
      const [answer] = await tx
        .insert(aiMessages)
        .values({ conversationId: conversation.id, role: 'assistant', content: '', status: 'streaming', replyToId: message.replyToId, model: provider.model, createdAt: now });
      await tx.update(aiConversations).set({ lastActivityAt: now }).where(eq(aiConversations.id, conversation.id));
      return answer.insertId;
    }));
  } catch (error) {
    await slot.release();
    throw error;
  }
  await startGeneration(deps, { userId, conversationId: conversation.id, userMessageId: message.replyToId, assistantMessageId: newId, provider, slot });
  return { assistantMessageId: newId };
}
