import { aiConversations, aiMessages, type TAiConversationRow, type TAiMessageRow } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import type { TProviderRef } from '../ai.schema';

/** The caller's conversation; another user's is indistinguishable from a missing one. */
export async function requireOwnConversation(db: DbOrTx, userId: number, conversationId: number): Promise<TAiConversationRow> {
  const [row] = await db
    .select()
    .from(aiConversations)
    .where(and(eq(aiConversations.id, conversationId), eq(aiConversations.userId, userId)))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such conversation');
  return row;
}

/** An assistant message in one of the caller's conversations. */
export async function requireOwnAssistantMessage(
  db: DbOrTx,
  userId: number,
  messageId: number,
): Promise<{ message: TAiMessageRow; conversation: TAiConversationRow }> {
  const [row] = await db
    .select({ message: aiMessages, conversation: aiConversations })
    .from(aiMessages)
    .innerJoin(aiConversations, eq(aiConversations.id, aiMessages.conversationId))
    .where(and(eq(aiMessages.id, messageId), eq(aiMessages.role, 'assistant'), eq(aiConversations.userId, userId)))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such message');
  return row;
}

export function providerRefOf(conversation: TAiConversationRow): TProviderRef | null {
  if (conversation.configId !== null) return conversation.configId;
  if (conversation.systemProviderId !== null) return `system:${conversation.systemProviderId}`;
  return null;
}
