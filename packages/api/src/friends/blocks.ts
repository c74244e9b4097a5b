import { blockBetween, blockedBy, blocks, friendships } from '@chorus/db';
import { and, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../deps';

/** Whether either of `a` and `b` blocked the other (chat refuses messages both ways). */
export const isBlockedBetween = (db: DbOrTx, a: number, b: number) => anyBlock(db, blockBetween(a, b));

export const hasBlocked = (db: DbOrTx, blockerId: number, blockedId: number) => anyBlock(db, blockedBy(blockerId, blockedId));

async function anyBlock(db: DbOrTx, rule: SQL): Promise<boolean> {
  const [row] = await db.select({ blockerId: blocks.blockerId }).from(blocks).where(rule).limit(1);
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
