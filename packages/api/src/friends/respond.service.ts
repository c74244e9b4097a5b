import { friendRequests, type TFriendRequestRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { notify, type FriendsDeps } from './friends.events';
import type { TFriendRequest } from './friends.schema';
import { lockPair } from './pair';
import { acceptRequest, acceptedNote, closeRequest } from './request-transitions';
import { createNotifications, type StoredNotification } from '../notifications/notification-store';
import { deliverNotifications } from '../notifications/notifications.service';

/** The recipient accepts (the two become friends) or declines a pending request. */
export async function respondToRequest(deps: FriendsDeps, userId: number, input: { requestId: number; accept: boolean }): Promise<TFriendRequest> {
  let notes: StoredNotification[] = [];
  const request = await transition(deps, userId, input.requestId, 'toUserId', async (tx, row, now) => {
    if (!input.accept) return closeRequest(tx, row, 'declined', now);
    const accepted = await acceptRequest(tx, row, now);
    notes = await createNotifications(tx, now, [acceptedNote(accepted)]);
    return accepted;
  });
  await deliverNotifications(deps, notes);
  await notify(deps, [request.fromUserId, request.toUserId], `friend:req:${request.id}:${request.status}`, { type: 'friend.responded', request });
  return request;
}

/** The sender withdraws a pending request. */
export async function cancelRequest(deps: FriendsDeps, userId: number, input: { requestId: number }): Promise<TFriendRequest> {
  const request = await transition(deps, userId, input.requestId, 'fromUserId', (tx, row, now) => closeRequest(tx, row, 'cancelled', now));
  await notify(deps, [request.fromUserId, request.toUserId], `friend:req:${request.id}:cancelled`, { type: 'friend.cancelled', request });
  return request;
}

/**
 * Applies `change` to a pending request of which `userId` is the given party. Anyone else's
 * request is not found; one already closed is a CONFLICT for its own parties.
 */
async function transition(
  deps: FriendsDeps,
  userId: number,
  requestId: number,
  party: 'fromUserId' | 'toUserId',
  change: (tx: DbOrTx, row: TFriendRequestRow, now: Date) => Promise<TFriendRequest>,
): Promise<TFriendRequest> {
  // Read before the transaction only to learn the pair: the pair lock must come first.
  const [peek] = await deps.db.select().from(friendRequests).where(eq(friendRequests.id, requestId)).limit(1);
  if (!peek || peek[party] !== userId) throw noSuchRequest();
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    await lockPair(tx, peek.fromUserId, peek.toUserId);
    const [row] = await tx.select().from(friendRequests).where(eq(friendRequests.id, requestId)).limit(1);
    if (!row) throw noSuchRequest();
    if (row.status !== 'pending') throw new AppError('CONFLICT', `This request was already ${row.status}`, { details: { status: row.status } });
    return change(tx, row, now);
  });
}

function noSuchRequest(): AppError {
  return new AppError('NOT_FOUND', 'No such friend request');
}
