import { friendships, users } from '@chorus/db';
import { and, desc, eq, or } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { toPublicUser } from '../users/users.service';
import { areFriends } from './blocks';
import { notify, type FriendsDeps } from './friends.events';
import type { TRelatedUser } from './friends.schema';
import { lockPair, visibleUser } from './pair';

/** The caller's friends, newest friendship first; banned accounts are hidden. */
export async function listFriends(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TRelatedUser[]> {
  const rows = await deps.db
    .select({ user: users, since: friendships.createdAt })
    .from(friendships)
    .innerJoin(users, eq(users.id, friendships.friendId))
    .where(and(eq(friendships.userId, userId), visibleUser))
    .orderBy(desc(friendships.createdAt), desc(friendships.friendId));
  return rows.map((row) => ({ user: toPublicUser(row.user), since: row.since }));
}

/** Ends a friendship for both sides. */
export async function removeFriend(deps: FriendsDeps, userId: number, friendId: number): Promise<{ status: 'removed' }> {
  const notFriends = () => new AppError('NOT_FOUND', 'You are not friends with this user');
  if (friendId === userId) throw notFriends();
  // Outside the transaction first: it also proves the user exists, so the pair lock takes records only.
  if (!(await areFriends(deps.db, userId, friendId))) throw notFriends();
  await deps.db.transaction(async (tx) => {
    await lockPair(tx, userId, friendId);
    if (!(await areFriends(tx, userId, friendId))) throw notFriends();
    await deleteFriendship(tx, userId, friendId);
  });
  // Each side is told who left its list; removals repeat over time, hence the timestamp.
  const at = Date.now();
  await notify(deps, [userId], `friend:removed:${userId}:${friendId}:${at}`, { type: 'friend.removed', userId: friendId });
  await notify(deps, [friendId], `friend:removed:${friendId}:${userId}:${at}`, { type: 'friend.removed', userId });
  return { status: 'removed' };
}

/** Deletes both rows of a friendship known to exist (the caller holds the pair lock). */
export async function deleteFriendship(tx: DbOrTx, a: number, b: number): Promise<void> {
  await tx
    .delete(friendships)
    .where(or(and(eq(friendships.userId, a), eq(friendships.friendId, b)), and(eq(friendships.userId, b), eq(friendships.friendId, a))));
}
