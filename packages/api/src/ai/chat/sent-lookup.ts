import { aiMessages } from '@chorus/db';
import { and, desc, eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';

export interface SendResult {
  userMessageId: number;
  assistantMessageId: number;
}

/** A retried send (same clientId) returns the first one's messages. */
export async function findSent(deps: AppDeps, conversationId: number, clientId: string): Promise<SendResult | null> {
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
