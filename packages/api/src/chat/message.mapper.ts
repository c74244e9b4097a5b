import { messageReactions, type TMessageRow } from '@chorus/db';
import { asc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import type { PublicMessage } from '../realtime/events';
import { threadSummaryOf } from './threads/thread-summary';

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
    preview: deleted ? null : (row.preview ?? null),
    threadRootId: row.threadRootId,
    thread: threadSummaryOf(row),
  };
}

/** Messages with their reactions grouped by emoji, in one extra query. */
export async function withReactions(db: DbOrTx, rows: TMessageRow[]): Promise<PublicMessage[]> {
  if (rows.length === 0) return [];
  const reactionRows = await db
    .select()
    .from(messageReactions)
    .where(
      inArray(
        messageReactions.messageId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(messageReactions.createdAt));
  const byMessage = new Map<number, Array<[string, number]>>();
  for (const reaction of reactionRows) {
    let pairs = byMessage.get(reaction.messageId);
    if (!pairs) byMessage.set(reaction.messageId, (pairs = []));
    pairs.push([reaction.emoji, reaction.userId]);
  }
  return rows.map((row) => toPublicMessage(row, groupByEmoji(byMessage.get(row.id) ?? [])));
}

/** Emojis in the order first used, each with its users in the order they reacted. */
export function groupByEmoji(pairs: ReadonlyArray<readonly [string, number]>): PublicMessage['reactions'] {
  const byEmoji = new Map<string, number[]>();
  for (const [emoji, userId] of pairs) {
    const userIds = byEmoji.get(emoji);
    if (userIds) userIds.push(userId);
    else byEmoji.set(emoji, [userId]);
  }
  return [...byEmoji].map(([emoji, userIds]) => ({ emoji, userIds }));
}
