import { conversationEvents, conversations } from '@chorus/db';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../deps';
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
  const seq = await takeSeq(tx, conversationId, null);
  return insertConversationEvent(tx, now, conversationId, seq, event, audience);
}

/** Stores an event under a seq the caller already took with `takeSeq` in this transaction. */
export async function insertConversationEvent(
  tx: DbOrTx,
  now: Date,
  conversationId: number,
  seq: number,
  event: LoggedEvent,
  audience?: { add?: number[]; remove?: number[] },
): Promise<StoredConversationEvent> {
  const payload = { ...event, at: now } as unknown as Record<string, unknown>;
  const [result] = await tx.insert(conversationEvents).values({ conversationId, seq, payload: encodePayload(payload), audience: audience ?? null, createdAt: now });
  return { id: result.insertId, conversationId, seq, payload, audience: audience ?? null, createdAt: now };
}

/** Locks the conversation row and takes its next seq (LAST_INSERT_ID(expr) returns it). */
export async function takeSeq(tx: DbOrTx, conversationId: number, activityAt: Date | null): Promise<number> {
  const [result] = await tx
    .update(conversations)
    .set({ lastSeq: sql`LAST_INSERT_ID(${conversations.lastSeq} + 1)`, ...(activityAt ? { lastActivityAt: activityAt } : {}) })
    .where(eq(conversations.id, conversationId));
  if (result.affectedRows !== 1) throw new Error(`conversation ${conversationId} vanished`);
  return result.insertId;
}
