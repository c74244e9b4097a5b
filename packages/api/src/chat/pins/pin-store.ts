import { messagePins } from '@chorus/db';
import { and, eq, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import type { StoredConversationEvent } from '../../realtime/stored-event';
import { appendConversationEvent } from '../conversation-log';

// Lock order of every transaction that changes pins, as for every write to a conversation's
// messages (see conversation-lock.ts): the conversation row, then the message row, then pin
// rows. The conversation row's lock serializes a conversation's pin changes, so the cap is
// counted and expired pins are removed exactly once.

/**
 * Removes the conversation's pins whose time has passed, each with a `message.unpinned`
 * (reason `expired`) in its log. Call with the conversation row locked; publish after commit.
 */
export async function expirePinsLocked(tx: DbOrTx, now: Date, conversationId: number): Promise<StoredConversationEvent[]> {
  const due = await tx
    .select({ messageId: messagePins.messageId })
    .from(messagePins)
    .where(and(eq(messagePins.conversationId, conversationId), lte(messagePins.expiresAt, now)));
  if (due.length === 0) return [];
  const ids = due.map((row) => row.messageId);
  await tx.delete(messagePins).where(inArray(messagePins.messageId, ids));
  const events: StoredConversationEvent[] = [];
  for (const messageId of ids) {
    events.push(await appendConversationEvent(tx, now, conversationId, { type: 'message.unpinned', messageId, by: null, reason: 'expired' }));
  }
  return events;
}

/** Removes one pin, if there is one, and logs why. Call with the conversation row locked. */
export async function removePinLocked(
  tx: DbOrTx,
  now: Date,
  conversationId: number,
  messageId: number,
  by: number,
  reason: 'unpinned' | 'deleted',
): Promise<StoredConversationEvent | null> {
  const [result] = await tx.delete(messagePins).where(eq(messagePins.messageId, messageId));
  if (result.affectedRows === 0) return null;
  return appendConversationEvent(tx, now, conversationId, { type: 'message.unpinned', messageId, by, reason });
}

/**
 * Inside the transaction that deletes a message (which holds the conversation's row, then the
 * message's): its pin goes with it.
 */
export async function unpinDeletedMessage(tx: DbOrTx, now: Date, conversationId: number, messageId: number, by: number): Promise<StoredConversationEvent[]> {
  const [pin] = await tx.select({ messageId: messagePins.messageId }).from(messagePins).where(eq(messagePins.messageId, messageId));
  if (!pin) return [];
  const event = await removePinLocked(tx, now, conversationId, messageId, by, 'deleted');
  return event ? [event] : [];
}
