import type { TConversationEventRow } from '@chorus/db';
import superjson, { type SuperJSONResult } from 'superjson';
import { serialize } from '@chorus/transport';

/** A conversation event as the publisher handles it: payload with real Dates. */
export interface StoredConversationEvent {
  id: number;
  conversationId: number;
  seq: number;
  payload: Record<string, unknown>;
  audience: { add?: number[]; remove?: number[] } | null;
  createdAt: Date;
}

/** The JSON column keeps superjson's form, so Dates come back as Dates when the log is read. */
export function encodePayload(payload: Record<string, unknown>): Record<string, unknown> {
  return serialize(payload) as unknown as Record<string, unknown>;
}

export function decodePayload(stored: Record<string, unknown>): Record<string, unknown> {
  // Rows written before the log kept superjson's form hold the plain event.
  if ('type' in stored) return stored;
  return superjson.deserialize<Record<string, unknown>>(stored as unknown as SuperJSONResult);
}

export function fromRow(row: TConversationEventRow): StoredConversationEvent {
  return {
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    payload: decodePayload(row.payload),
    audience: row.audience,
    createdAt: row.createdAt,
  };
}
