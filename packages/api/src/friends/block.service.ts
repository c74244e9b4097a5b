import { blockedBy, blocks, friendRequests, users } from '@chorus/db';
import { and, desc, eq, inArray, or } from 'drizzle-orm';
import { endCallsBetween } from '../calls/end-between.service';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { toPublicUser } from '../users/users.service';
import { areFriends, hasBlocked } from './blocks';
import { notify, type FriendsDeps } from './friends.events';
import type { TRelatedUser } from './friends.schema';
import { deleteFriendship } from './friendships.service';
import { assertUserExists, isVisibleUser, lockPair, noSuchUser, visibleUser } from './pair';

/**
 * Blocks a user: ends any friendship, cancels pending requests and ends any call between the
 * two. Only the blocker is told; the blocked user never learns of it from an event (an ended
 * call looks hung up). Repeating it is a no-op.
 */
export async function blockUser(deps: FriendsDeps, userId: number, targetId: number): Promise<{ status: 'blocked' }> {
  if (targetId === userId) throw new AppError('BAD_INPUT', 'You cannot block yourself');
  await assertUserExists(deps.db, targetId);
  const now = deps.clock.now();
  const changed = await deps.db.transaction(async (tx) => {
    const target = (await lockPair(tx, userId, targetId)).get(targetId);
    if (!target || !isVisibleUser(target)) throw noSuchUser();
    // While a block stands no friendship or pending request can arise, so nothing to undo.
    if (await hasBlocked(tx, userId, targetId)) return false;
    await tx.insert(blocks).values({ blockerId: userId, blockedId: targetId, createdAt: now });
    if (await areFriends(tx, userId, targetId)) await deleteFriendship(tx, userId, targetId);
    // Read, then update by primary key: a range update would lock index gaps other pairs share.
    const pending = await tx
      .select({ id: friendRequests.id })
      .from(friendRequests)
      .where(
        and(
          eq(friendRequests.status, 'pending'),
          or(
            and(eq(friendRequests.fromUserId, userId), eq(friendRequests.toUserId, targetId)),
            and(eq(friendRequests.fromUserId, targetId), eq(friendRequests.toUserId, userId)),
          ),
        ),
      );
    if (pending.length > 0) {
      await tx
        .update(friendRequests)
        .set({ status: 'cancelled', respondedAt: now })
        .where(
          inArray(
            friendRequests.id,
            pending.map((row) => row.id),
          ),
        );
    }
    return true;
  });
  if (changed) await notify(deps, [userId], `friend:blocked:${userId}:${targetId}:${Date.now()}`, { type: 'friend.blocked', userId: targetId });
  // After commit, and on a repeat too (a no-op unless an earlier try failed here).
  await endCallsBetween(deps, userId, targetId, 'blocked');
  return { status: 'blocked' };
}

/** Lifts a block; unblocking someone not blocked is a no-op. */
export async function unblockUser(deps: Pick<AppDeps, 'db'>, userId: number, targetId: number): Promise<{ status: 'unblocked' }> {
  await deps.db.delete(blocks).where(blockedBy(userId, targetId));
  return { status: 'unblocked' };
}

/** Whom the caller blocked, most recent first; banned accounts are hidden. */
export async function listBlocked(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TRelatedUser[]> {
  const rows = await deps.db
    .select({ user: users, since: blocks.createdAt })
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId))
    .where(and(eq(blocks.blockerId, userId), visibleUser))
    .orderBy(desc(blocks.createdAt), desc(blocks.blockedId));
  return rows.map((row) => ({ user: toPublicUser(row.user), since: row.since }));
}
