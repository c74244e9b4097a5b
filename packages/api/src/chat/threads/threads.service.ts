import { messages, threadFollowers, type TMessageRow } from '@chorus/db';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { withReactions } from '../message.mapper';
import { requireVisibleMessage } from '../messages.service';
import type { TThreadInput } from './threads.schema';
import { onReadDb } from '../../replica/on-replica';

/**
 * A root message the caller can read (the history's rule: member, and past the floor of a room
 * hiding earlier history; otherwise "not found"), and not itself a reply. A deleted root still
 * opens its thread; only replying to it is refused.
 */
async function requireRoot(deps: AppDeps, userId: number, rootId: number): Promise<TMessageRow> {
  const root = await requireVisibleMessage(deps.db, rootId, userId);
  if (root.threadRootId !== null) throw new AppError('BAD_INPUT', 'This message is a thread reply; open its root’s thread');
  return root;
}

async function followerRow(deps: AppDeps, rootId: number, userId: number) {
  const [row] = await deps.db
    .select()
    .from(threadFollowers)
    .where(and(eq(threadFollowers.rootId, rootId), eq(threadFollowers.userId, userId)))
    .limit(1);
  return row;
}

/**
 * A page of the thread's replies, oldest first (a thread reads top down, as its replies were
 * posted); `cursor` continues after the previous page's last reply. Replies sit past their
 * root, so a caller who can read the root can read them all.
 */
export function threadPage(deps: AppDeps, userId: number, input: TThreadInput) {
  return onReadDb(deps, userId, (on) => threadPageOn(on, userId, input));
}

async function threadPageOn(deps: AppDeps, userId: number, input: TThreadInput) {
  const root = await requireRoot(deps, userId, input.rootId);
  const rows = await deps.db
    .select()
    .from(messages)
    .where(and(eq(messages.threadRootId, root.id), input.cursor ? gt(messages.id, input.cursor) : undefined))
    .orderBy(asc(messages.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const [[publicRoot], items, follower] = await Promise.all([withReactions(deps.db, [root]), withReactions(deps.db, page), followerRow(deps, root.id, userId)]);
  return {
    root: publicRoot!,
    items,
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
    following: follower?.following ?? false,
    lastReadReplyId: follower?.lastReadReplyId ?? 0,
  };
}

/** Follows or stops following a thread the caller can read; answers the new state. */
export async function setFollowing(deps: AppDeps, userId: number, rootId: number, following: boolean): Promise<{ following: boolean }> {
  const root = await requireRoot(deps, userId, rootId);
  // Leaving a deleted message's thread is fine; joining one that can get no more replies is not.
  if (following && root.deletedAt) throw new AppError('CONFLICT', 'The thread’s root message was deleted');
  await deps.db
    .insert(threadFollowers)
    .values({ rootId, userId, conversationId: root.conversationId, following, createdAt: deps.clock.now() })
    .onDuplicateKeyUpdate({ set: { following } });
  return { following };
}

/**
 * Moves the caller's read marker in the thread forward to `messageId` (a reply of it), whether
 * they follow it or not; never back. The caller's other devices get `thread.read`.
 */
export async function markThreadRead(deps: AppDeps, userId: number, rootId: number, messageId: number): Promise<{ lastReadReplyId: number }> {
  const root = await requireRoot(deps, userId, rootId);
  const [reply] = await deps.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.threadRootId, rootId)))
    .limit(1);
  if (!reply) throw new AppError('BAD_INPUT', 'This message is not a reply in the thread');
  await deps.db
    .insert(threadFollowers)
    .values({ rootId, userId, conversationId: root.conversationId, following: false, lastReadReplyId: messageId, createdAt: deps.clock.now() })
    .onDuplicateKeyUpdate({ set: { lastReadReplyId: sql`greatest(${threadFollowers.lastReadReplyId}, ${messageId})` } });
  const lastReadReplyId = (await followerRow(deps, rootId, userId))?.lastReadReplyId ?? messageId;
  // The dedupe key names the reader: two readers reaching the same reply are two events.
  await deps.realtime.publishToUsers([userId], `thread.read:${userId}:${rootId}:${lastReadReplyId}`, {
    type: 'thread.read',
    conversationId: root.conversationId,
    rootId,
    lastReadReplyId,
  });
  return { lastReadReplyId };
}
