import { blockBetween, blockedBy, blocks, friendships } from '@chorus/db';
import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/** Whether either of `a` and `b` blocked the other (chat refuses messages both ways). */
export const isBlockedBetween = (db: DbOrTx, a: number, b: number) => anyBlock(db, blockBetween(a, b));

export const hasBlocked = (db: DbOrTx, blockerId: number, blockedId: number) => anyBlock(db, blockedBy(blockerId, blockedId));

async function anyBlock(db: DbOrTx, rule: SQL): Promise<boolean> {
  const [row] = await db.select({ blockerId: blocks.blockerId }).from(blocks).where(rule).limit(1);
  return row !== undefined;
}

/** Those of `others` who blocked `userId` or whom `userId` blocked. */
export async function blockedAmong(db: DbOrTx, userId: number, others: number[]): Promise<Set<number>> {
  if (others.length === 0) return new Set();
  const rows = await db.select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId }).from(blocks).where(blockBetween(userId, others));
  return new Set(rows.map((row) => (row.blockerId === userId ? row.blockedId : row.blockerId)));
}

/** Friendships are stored in both directions, so one row answers. */
export async function areFriends(db: DbOrTx, a: number, b: number): Promise<boolean> {
  return (await friendsAmong(db, a, [b])).has(b);
}

/** Those of `others` who are friends of `userId`. */
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
