import { friendRequests, users } from '@chorus/db';
import { and, desc, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { toPublicUser } from '../users/users.service';
import { toFriendRequest } from './friends.events';
import type { TFriendRequestWithUser, TRequestDirection } from './friends.schema';
import { visibleUser } from './pair';

/** The caller's pending requests, newest first, each with the other user's public profile. */
export async function listRequests(deps: Pick<AppDeps, 'db'>, userId: number, direction: TRequestDirection): Promise<TFriendRequestWithUser[]> {
  const [mine, other] = direction === 'incoming' ? [friendRequests.toUserId, friendRequests.fromUserId] : [friendRequests.fromUserId, friendRequests.toUserId];
  const rows = await deps.db
    .select({ request: friendRequests, user: users })
    .from(friendRequests)
    .innerJoin(users, eq(users.id, other))
    .where(and(eq(mine, userId), eq(friendRequests.status, 'pending'), visibleUser))
    .orderBy(desc(friendRequests.id));
  return rows.map((row) => ({ ...toFriendRequest(row.request), user: toPublicUser(row.user) }));
}
