import { messages } from '@chorus/db';
import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import type { PublicMessage } from '../../realtime/events';
import { withReactions } from '../message.mapper';

/**
 * The message chat.list shows as each conversation's last: its last message, unless that is a
 * thread reply, then the newest main-history message before it (or none). The conversation row
 * keeps the last message of any kind because a room's newcomers see only messages after it;
 * the lookup runs only for conversations whose last message is a reply.
 */
export async function mainHistoryLast(db: DbOrTx, lastMessages: PublicMessage[]): Promise<Map<number, PublicMessage>> {
  const shown = new Map<number, PublicMessage>();
  await Promise.all(
    lastMessages.map(async (message) => {
      if (message.threadRootId === null) return void shown.set(message.conversationId, message);
      const [row] = await db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, message.conversationId), isNull(messages.threadRootId), lt(messages.id, message.id)))
        .orderBy(desc(messages.id))
        .limit(1);
      const [main] = row ? await withReactions(db, [row]) : [];
      if (main) shown.set(message.conversationId, main);
    }),
  );
  return shown;
}
