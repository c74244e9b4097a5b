import { conversations } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/**
 * Locks the conversation's row, first thing in a transaction that then writes to one of its
 * messages (or a row referencing one) and logs an event. A thread reply's transaction holds the
 * conversation's lock and then updates its root's row; a transaction taking the locks the
 * other way round (the message row, then the conversation to log its event) would deadlock
 * with it, and one of the two would fail.
 */
export async function lockConversation(tx: DbOrTx, conversationId: number): Promise<void> {
  await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, conversationId)).for('update');
}
