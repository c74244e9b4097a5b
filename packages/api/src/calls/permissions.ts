import { conversationMembers, conversations, liveConversation } from '@chorus/db';
import { and, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { AppDeps, DbOrTx } from '../deps';
import { AppError } from '../errors';
import { areFriends, isBlockedBetween } from '../friends/blocks';

const notAllowed = () => new AppError('CALL_NOT_ALLOWED', 'You cannot call this user');

/** Whether `a` and `b` are both members of a live direct or group chat (rooms do not count: strangers meet there). */
async function shareConversation(db: DbOrTx, a: number, b: number): Promise<boolean> {
  const other = alias(conversationMembers, 'other_member');
  const [row] = await db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .innerJoin(other, and(eq(other.conversationId, conversationMembers.conversationId), eq(other.userId, b)))
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(and(eq(conversationMembers.userId, a), inArray(conversations.kind, ['direct', 'group']), liveConversation(conversations)))
    .limit(1);
  return row !== undefined;
}

/**
 * Friends may call each other; so may members of a shared conversation when the operator
 * allows it. A block either way forbids it. Unknown users get the same answer as strangers.
 */
export async function assertMayCall(deps: Pick<AppDeps, 'db' | 'calls'>, callerId: number, calleeId: number): Promise<void> {
  if (callerId === calleeId) throw new AppError('BAD_INPUT', 'You cannot call yourself');
  if (await isBlockedBetween(deps.db, callerId, calleeId)) throw notAllowed();
  if (await areFriends(deps.db, callerId, calleeId)) return;
  if (deps.calls.settings.allowSharedConversation && (await shareConversation(deps.db, callerId, calleeId))) return;
  throw notAllowed();
}
