import { blocks, friendships } from '@chorus/db';
import { and, eq, or } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/** Whether either of `a` and `b` blocked the other (chat refuses messages both ways). */
export async function isBlockedBetween(db: DbOrTx, a: number, b: number): Promise<boolean> {
  const [row] = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(or(and(eq(blocks.blockerId, a), eq(blocks.blockedId, b)), and(eq(blocks.blockerId, b), eq(blocks.blockedId, a))))
    .limit(1);
  return row !== undefined;
}

export async function hasBlocked(db: DbOrTx, blockerId: number, blockedId: number): Promise<boolean> {
  const [row] = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)))
    .limit(1);
  return row !== undefined;
}

/** Friendships are stored in both directions, so one row answers. */
export async function areFriends(db: DbOrTx, a: number, b: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: friendships.userId })
    .from(friendships)
    .where(and(eq(friendships.userId, a), eq(friendships.friendId, b)))
    .limit(1);
  return row !== undefined;
}

export async function friendIdsOf(db: DbOrTx, userId: number): Promise<number[]> {
  const rows = await db.select({ friendId: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId));
  return rows.map((row) => row.friendId);
}
