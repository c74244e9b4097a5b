import { blocks, friendships } from '@chorus/db';
import { and, eq, inArray, or } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/** Whether either of `a` and `b` blocked the other (chat refuses messages both ways). */
export async function isBlockedBetween(db: DbOrTx, a: number, b: number): Promise<boolean> {
  return (await blockedAmong(db, a, [b])).has(b);
}

/** Those of `others` who blocked `userId` or whom `userId` blocked. */
export async function blockedAmong(db: DbOrTx, userId: number, others: number[]): Promise<Set<number>> {
  if (others.length === 0) return new Set();
  const rows = await db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(and(eq(blocks.blockerId, userId), inArray(blocks.blockedId, others)), and(inArray(blocks.blockerId, others), eq(blocks.blockedId, userId))));
  return new Set(rows.map((row) => (row.blockerId === userId ? row.blockedId : row.blockerId)));
}

export async function hasBlocked(db: DbOrTx, blockerId: number, blockedId: number): Promise<boolean> {
  const [row] = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)))
    .limit(1);
  return row !== undefined;
}

export async function areFriends(db: DbOrTx, a: number, b: number): Promise<boolean> {
  return (await friendsAmong(db, a, [b])).has(b);
}

/** Those of `others` who are friends of `userId`. Friendships are stored in both directions, so one side's rows answer. */
export async function friendsAmong(db: DbOrTx, userId: number, others: number[]): Promise<Set<number>> {
  if (others.length === 0) return new Set();
  const rows = await db
    .select({ friendId: friendships.friendId })
    .from(friendships)
    .where(and(eq(friendships.userId, userId), inArray(friendships.friendId, others)));
  return new Set(rows.map((row) => row.friendId));
}

export async function friendIdsOf(db: DbOrTx, userId: number): Promise<number[]> {
  const rows = await db.select({ friendId: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId));
  return rows.map((row) => row.friendId);
}
