import { conversationEvents, conversations } from '@chorus/db';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { encodePayload, type StoredConversationEvent } from '../realtime/stored-event';
import type { ConversationEvent, RoomLogEvent } from '../realtime/events';

/** What a conversation's log holds: chat events, and for rooms also the room's own. */
export type LoggedEvent = ConversationEvent | RoomLogEvent;

/**
 * Appends an event to a conversation's log inside the caller's transaction. The seq comes
 * from `last_seq + 1` on the conversation row, whose lock is held to commit: a later writer
 * waits, so seq order is commit order and a reader never sees seq 11 before seq 10.
 * Publish the returned event after commit.
 */
export async function appendConversationEvent(
  tx: DbOrTx,
  now: Date,
  conversationId: number,
  event: LoggedEvent,
  audience?: { add?: number[]; remove?: number[] },
): Promise<StoredConversationEvent> {
  const seq = await takeSeq(tx, conversationId);
  const { values, event: stored } = conversationEventValues(now, conversationId, seq, event, audience);
  const [result] = await tx.insert(conversationEvents).values(values);
  return { ...stored, id: result.insertId };
}

/** The row to insert for an event, and the event as the publisher takes it (once the row has its id). */
export function conversationEventValues(
  now: Date,
  conversationId: number,
  seq: number,
  event: LoggedEvent,
  audience?: { add?: number[]; remove?: number[] },
): { values: typeof conversationEvents.$inferInsert & { conversationId: number; seq: number }; event: Omit<StoredConversationEvent, 'id'> } {
  const payload = { ...event, at: now } as unknown as Record<string, unknown>;
  return {
    values: { conversationId, seq, payload: encodePayload(payload), audience: audience ?? null, createdAt: now },
    event: { conversationId, seq, payload, audience: audience ?? null, createdAt: now },
  };
}

/** Locks the conversation row and takes its next seq (LAST_INSERT_ID(expr) returns it). */
async function takeSeq(tx: DbOrTx, conversationId: number): Promise<number> {
  const [result] = await tx
    .update(conversations)
    .set({ lastSeq: sql`LAST_INSERT_ID(${conversations.lastSeq} + 1)` })
    .where(eq(conversations.id, conversationId));
  if (result.affectedRows !== 1) throw new Error(`conversation ${conversationId} vanished`);
  return result.insertId;
}
