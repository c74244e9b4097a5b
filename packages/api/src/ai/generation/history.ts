import { aiMessages } from '@chorus/db';
import { and, desc, eq, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';
import type { ContextMessage } from './context-budget';

const HISTORY_LIMIT = 200;

/**
 * A conversation's finished messages, oldest first, up to `upToId` (all when omitted). The
 * budget trims further; the newest 200 are more than any model window takes.
 */
export async function loadHistory(db: DbOrTx, conversationId: number, upToId?: number): Promise<ContextMessage[]> {
  const rows = await db
    .select({ role: aiMessages.role, content: aiMessages.content })
    .from(aiMessages)
    .where(
      and(
        eq(aiMessages.conversationId, conversationId),
        upToId === undefined ? undefined : lte(aiMessages.id, upToId),
        inArray(aiMessages.status, ['complete', 'stopped']),
      ),
    )
    .orderBy(desc(aiMessages.id))
    .limit(HISTORY_LIMIT);
  return rows.filter((row) => row.content.length > 0).reverse();
}
