import type { AppDeps } from '../deps';
import { friendRequests } from '@chorus/db';
import { consumeOrThrow } from '../auth/rate-limits';
import { AppError } from '../errors';
import { areFriends, hasBlocked } from './blocks';
import { notify, toFriendRequest, type FriendsDeps } from './friends.events';
import type { TFriendRequest, TSendFriendRequestInput } from './friends.schema';
import { assertUserExists, isVisibleUser, lockPair, noSuchUser } from './pair';
import { acceptRequest, acceptedNote, pendingBetween } from './request-transitions';
import { createNotifications, type StoredNotification } from '../notifications/notification-store';
import { deliverNotifications } from '../notifications/notifications.service';

type Outcome = { request: TFriendRequest; published: 'created' | 'accepted' | null; notes: StoredNotification[] };

/**
 * Sends a friend request. Repeating it returns the pending one; if the other user already
 * asked, this accepts theirs. A block by the target looks like an unknown user.
 */
export async function sendFriendRequest(
  deps: FriendsDeps & Pick<AppDeps, 'limiters'>,
  fromUserId: number,
  input: TSendFriendRequestInput,
): Promise<TFriendRequest> {
  const toUserId = input.userId;
  if (toUserId === fromUserId) throw new AppError('BAD_INPUT', 'You cannot send a friend request to yourself');
  await consumeOrThrow(deps.limiters.friendRequestsPerUser, String(fromUserId));
  await assertUserExists(deps.db, toUserId);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    const target = (await lockPair(tx, fromUserId, toUserId)).get(toUserId);
    if (!target || !isVisibleUser(target)) throw noSuchUser();
    if (await hasBlocked(tx, fromUserId, toUserId)) throw new AppError('FORBIDDEN', 'You blocked this user; unblock them to send a friend request');
    if (await hasBlocked(tx, toUserId, fromUserId)) throw noSuchUser();
    if (await areFriends(tx, fromUserId, toUserId)) throw new AppError('CONFLICT', 'You are already friends');
    const pending = await pendingBetween(tx, fromUserId, toUserId);
    if (pending && pending.fromUserId === fromUserId) return { request: toFriendRequest(pending), published: null, notes: [] };
    if (pending) {
      const accepted = await acceptRequest(tx, pending, now);
      return { request: accepted, published: 'accepted', notes: await createNotifications(tx, now, [acceptedNote(accepted)]) };
    }
    const message = input.message ? input.message : null;
    const [result] = await tx.insert(friendRequests).values({ fromUserId, toUserId, message, status: 'pending', createdAt: now });
    const request: TFriendRequest = { id: result.insertId, fromUserId, toUserId, message, status: 'pending', createdAt: now, respondedAt: null };
    const note = { userId: toUserId, type: 'friend_request' as const, payload: { requestId: request.id, fromUserId, message } };
    return { request, published: 'created', notes: await createNotifications(tx, now, [note]) };
  });
  const { request } = outcome;
  const parties = [request.fromUserId, request.toUserId];
  if (outcome.published === 'created') await notify(deps, parties, `friend:req:${request.id}:created`, { type: 'friend.request', request });
  if (outcome.published === 'accepted') await notify(deps, parties, `friend:req:${request.id}:accepted`, { type: 'friend.responded', request });
  await deliverNotifications(deps, outcome.notes);
  return request;
}
