import { messageReactions, type TMessageRow } from '@chorus/db';
import { asc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../deps';
import type { PublicMessage } from '../realtime/events';

/** Messages as members see them; a deleted message keeps its place but loses its content. */
export function toPublicMessage(row: TMessageRow, reactions: PublicMessage['reactions'] = []): PublicMessage {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    conversationId: row.conversationId,
    senderId: row.senderId,
    clientId: row.clientId,
    kind: row.kind,
    text: deleted ? null : row.text,
    attachment: deleted ? null : (row.attachment ?? null),
    replyToId: row.replyToId,
    mentions: deleted ? [] : (row.mentions ?? []),
    reactions: deleted ? [] : reactions,
    editedAt: row.editedAt,
    deletedAt: row.deletedAt,
    createdAt: row.createdAt,
  };
}

/** Messages with their reactions grouped by emoji, in one extra query. */
export async function withReactions(db: DbOrTx, rows: TMessageRow[]): Promise<PublicMessage[]> {
  if (rows.length === 0) return [];
  const reactionRows = await db
    .select()
    .from(messageReactions)
    .where(inArray(messageReactions.messageId, rows.map((row) => row.id)))
    .orderBy(asc(messageReactions.createdAt));
  const byMessage = new Map<number, Map<string, number[]>>();
  for (const reaction of reactionRows) {
    let emojis = byMessage.get(reaction.messageId);
    if (!emojis) byMessage.set(reaction.messageId, (emojis = new Map()));
    emojis.set(reaction.emoji, [...(emojis.get(reaction.emoji) ?? []), reaction.userId]);
  }
  return rows.map((row) => toPublicMessage(row, [...(byMessage.get(row.id) ?? new Map<string, number[]>())].map(([emoji, userIds]) => ({ emoji, userIds }))));
}
