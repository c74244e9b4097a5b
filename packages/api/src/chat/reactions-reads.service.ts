import { conversationMembers, messageReactions, messages } from '@chorus/db';
import { and, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { appendConversationEvent } from './conversation-log';
import { requireMember } from './membership';
import { requireVisibleMessage } from './messages.service';
import { lockConversation } from './conversation-lock';

export async function react(deps: AppDeps, userId: number, messageId: number, emoji: string): Promise<{ ok: true }> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  if (message.deletedAt) throw new AppError('CONFLICT', 'This message was deleted');
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, message.conversationId);
    const [result] = await tx.insert(messageReactions).ignore().values({ messageId, userId, emoji, createdAt: now });
    // Already reacted with this emoji: nothing happened, nothing to tell.
    if (result.affectedRows === 0) return null;
    return appendConversationEvent(tx, now, message.conversationId, { type: 'reaction.added', messageId, userId, emoji });
  });
  if (event) await deps.realtime.publishConversationEvent(event);
  return { ok: true };
}

export async function unreact(deps: AppDeps, userId: number, messageId: number, emoji: string): Promise<{ ok: true }> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    await lockConversation(tx, message.conversationId);
    const [result] = await tx
      .delete(messageReactions)
      .where(and(eq(messageReactions.messageId, messageId), eq(messageReactions.userId, userId), eq(messageReactions.emoji, emoji)));
    if (result.affectedRows === 0) return null;
    return appendConversationEvent(tx, now, message.conversationId, { type: 'reaction.removed', messageId, userId, emoji });
  });
  if (event) await deps.realtime.publishConversationEvent(event);
  return { ok: true };
}

/**
 * Moves the caller's "read up to here" marker forward (never back); other members see it
 * as a `read` event for receipts.
 */
export async function markRead(deps: AppDeps, userId: number, conversationId: number, upToMessageId: number): Promise<{ lastReadMessageId: number }> {
  const membership = await requireMember(deps.db, conversationId, userId);
  const [message] = await deps.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.id, upToMessageId), eq(messages.conversationId, conversationId)))
    .limit(1);
  if (!message) throw new AppError('BAD_INPUT', 'This message is not in the conversation');
  if (upToMessageId <= membership.lastReadMessageId) return { lastReadMessageId: membership.lastReadMessageId };
  const now = deps.clock.now();
  const event = await deps.db.transaction(async (tx) => {
    const [result] = await tx
      .update(conversationMembers)
      .set({ lastReadMessageId: upToMessageId })
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          eq(conversationMembers.userId, userId),
          lt(conversationMembers.lastReadMessageId, upToMessageId),
        ),
      );
    if (result.affectedRows === 0) return null;
    return appendConversationEvent(tx, now, conversationId, { type: 'read', userId, upToMessageId });
  });
  if (event) await deps.realtime.publishConversationEvent(event);
  return { lastReadMessageId: Math.max(upToMessageId, membership.lastReadMessageId) };
}
