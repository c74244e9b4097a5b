import { conversationMembers, conversations, messageMentions, messages } from '@chorus/db';
import { and, asc, eq, gt, gte, isNull, lte, max, min, ne, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { DIGEST_LOOKBACK_MS } from './digest-mail';

/** The last message id the candidate scan has looked at. */
// One MULTI writes both: one tag of their own.
export const CURSOR_KEY = 'chorus:{digest}:cursor';
/** Users who may be owed a digest (score: when they were last looked at), in Redis. */
export const PENDING_KEY = 'chorus:{digest}:pending';

/**
 * Looks at the messages that became old enough for a digest since the last pass (ids after the
 * cursor, created at or before `cutoff`, at most `limit`), and queues their direct-message
 * receivers and mentioned members who had not read them. Each message is looked at once, so a
 * pass costs what was sent since the last one, never a scan of users or of old history.
 */
export async function collectCandidates(deps: Pick<AppDeps, 'db' | 'redis' | 'clock'>, cutoff: Date, limit: number): Promise<number> {
  const stored = await deps.redis.get(CURSOR_KEY);
  // First pass (or Redis lost its state): start at the lookback window, not at the first message ever.
  const cursor = stored === null ? (await firstIdSince(deps.db, new Date(deps.clock.now().getTime() - DIGEST_LOOKBACK_MS))) - 1 : Number(stored);
  const batch = await deps.db
    .select({ id: messages.id, createdAt: messages.createdAt })
    .from(messages)
    .where(gt(messages.id, cursor))
    .orderBy(asc(messages.id))
    .limit(limit);
  // Ids follow commit order closely; the first message too young ends the batch (it and those
  // after it are looked at in a later pass).
  const young = batch.findIndex((row) => row.createdAt.getTime() > cutoff.getTime());
  const ripe = young === -1 ? batch : batch.slice(0, young);
  const last = ripe.at(-1);
  if (!last) return 0;
  const range = and(gt(messages.id, cursor), lte(messages.id, last.id), isNull(messages.deletedAt));
  const unreadBy = and(gt(messages.id, conversationMembers.lastReadMessageId), ne(conversationMembers.userId, messages.senderId));
  const direct = await deps.db
    .selectDistinct({ userId: conversationMembers.userId })
    .from(messages)
    .innerJoin(conversations, and(eq(conversations.id, messages.conversationId), eq(conversations.kind, 'direct')))
    .innerJoin(conversationMembers, eq(conversationMembers.conversationId, messages.conversationId))
    .where(and(range, unreadBy));
  const mentioned = await deps.db
    .selectDistinct({ userId: messageMentions.userId })
    .from(messageMentions)
    .innerJoin(messages, eq(messages.id, messageMentions.messageId))
    .innerJoin(
      conversationMembers,
      and(eq(conversationMembers.conversationId, messages.conversationId), eq(conversationMembers.userId, messageMentions.userId)),
    )
    .where(and(range, unreadBy, sql`${messageMentions.messageId} > ${cursor}`));
  const userIds = [...new Set([...direct, ...mentioned].map((row) => row.userId))];
  const multi = deps.redis.multi();
  // NX: a user already waiting keeps their place in the queue.
  if (userIds.length > 0) multi.zadd(PENDING_KEY, 'NX', ...userIds.flatMap((id) => [deps.clock.now().getTime(), String(id)]));
  multi.set(CURSOR_KEY, String(last.id));
  await multi.exec();
  return userIds.length;
}

/** Up to `limit` queued users, those waiting longest first. */
export async function pendingUsers(deps: Pick<AppDeps, 'redis'>, limit: number): Promise<number[]> {
  return (await deps.redis.zrange(PENDING_KEY, 0, limit - 1)).map(Number);
}

/** Done with these users (a digest went out, or nothing is owed). */
export async function dropPending(deps: Pick<AppDeps, 'redis'>, userIds: number[]): Promise<void> {
  if (userIds.length > 0) await deps.redis.zrem(PENDING_KEY, ...userIds.map(String));
}

/** Still around (online, or away too briefly): looked at again after everyone else. */
export async function deferPending(deps: Pick<AppDeps, 'redis' | 'clock'>, userIds: number[]): Promise<void> {
  if (userIds.length > 0) await deps.redis.zadd(PENDING_KEY, 'XX', ...userIds.flatMap((id) => [deps.clock.now().getTime(), String(id)]));
}

/**
 * The first message id created at or after `since` (the next id to come when there is none),
 * by bisecting ids on the primary key: messages has no index on its time, and ids follow it.
 */
async function firstIdSince(db: DbOrTx, since: Date): Promise<number> {
  const [bounds] = await db.select({ low: min(messages.id), high: max(messages.id) }).from(messages);
  if (bounds?.low == null || bounds.high == null) return 1;
  let low = bounds.low;
  let high = bounds.high + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const [row] = await db
      .select({ id: messages.id, createdAt: messages.createdAt })
      .from(messages)
      .where(gte(messages.id, middle))
      .orderBy(asc(messages.id))
      .limit(1);
    if (!row || row.createdAt.getTime() >= since.getTime()) high = middle;
    else low = row.id + 1;
  }
  return low;
}
