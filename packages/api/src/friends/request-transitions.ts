import { friendRequests, friendships } from '@chorus/db';
import { and, eq, or } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import type { TFriendRequestRow } from '@chorus/db';
import { toFriendRequest } from './friends.events';
import type { TFriendRequest } from './friends.schema';

/** The pending request between two users, either direction; the pair lock keeps it unique. */
export async function pendingBetween(tx: DbOrTx, a: number, b: number): Promise<TFriendRequestRow | undefined> {
  const [row] = await tx
    .select()
    .from(friendRequests)
    .where(
      and(
        eq(friendRequests.status, 'pending'),
        or(and(eq(friendRequests.fromUserId, a), eq(friendRequests.toUserId, b)), and(eq(friendRequests.fromUserId, b), eq(friendRequests.toUserId, a))),
      ),
    )
    .limit(1);
  return row;
}

/** Marks a pending request accepted and makes the two users friends (both rows). */
export async function acceptRequest(tx: DbOrTx, request: TFriendRequestRow, now: Date): Promise<TFriendRequest> {
  const accepted = await closeRequest(tx, request, 'accepted', now);
  await tx.insert(friendships).values([
    { userId: request.fromUserId, friendId: request.toUserId, createdAt: now },
    { userId: request.toUserId, friendId: request.fromUserId, createdAt: now },
  ]);
  return accepted;
}

export async function closeRequest(tx: DbOrTx, request: TFriendRequestRow, status: 'accepted' | 'declined' | 'cancelled', now: Date): Promise<TFriendRequest> {
  await tx.update(friendRequests).set({ status, respondedAt: now }).where(eq(friendRequests.id, request.id));
  return toFriendRequest({ ...request, status, respondedAt: now });
}

/** The notification telling a requester that their request was accepted. */
export function acceptedNote(request: TFriendRequest) {
  return { userId: request.fromUserId, type: 'friend_accepted' as const, payload: { requestId: request.id, userId: request.toUserId } };
}
