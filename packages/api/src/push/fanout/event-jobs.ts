// Who is pushed for an incoming call, a room invite or a friend request.
import { calls, notifications } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { blockedAmong } from '../../friends/blocks';
import { dndEndsAt } from '../../notifications/levels';
import type { PushIntent } from '../outbox';
import { badgesOf, notConnected, settingsOf, usersOf } from './audience';
import { callPayload, friendRequestPayload, roomInvitePayload } from './content';
import { MESSAGE_TTL_SECONDS } from './message-job';

type FanoutDeps = Pick<AppDeps, 'db' | 'realtime'>;

/** A call rings for about this long; a push arriving later is worthless, so the platform drops it. */
export const CALL_TTL_SECONDS = 30;

/**
 * An incoming call that still rings: the callee, high urgency, a 30 s TTL. Calls are not held
 * by do-not-disturb but dropped during it: a call pushed after the hours end would ring for a
 * call long over (the missed-call notification stays in the app). Notification levels are
 * about conversations and do not silence calls; blocks stop calls before they start.
 */
export async function callIntents(deps: FanoutDeps, callId: number, now: Date): Promise<PushIntent[]> {
  const [call] = await deps.db.select().from(calls).where(eq(calls.id, callId)).limit(1);
  if (!call || call.status !== 'ringing') return [];
  const [calleeId] = await notConnected(deps, [call.calleeId]);
  if (calleeId === undefined) return [];
  const settings = (await settingsOf(deps.db, [calleeId])).get(calleeId)!;
  if (dndEndsAt(settings, now)) return [];
  const [people, badges] = await Promise.all([usersOf(deps.db, [call.callerId, calleeId]), badgesOf(deps.db, [calleeId], now)]);
  const caller = people.get(call.callerId);
  const callee = people.get(calleeId);
  if (!caller || !callee) return [];
  const payload = callPayload(caller.name, call.media === 'video', settings.pushPrivacy, callee.locale);
  return [
    { userId: calleeId, delivery: { payload, ttlSeconds: CALL_TTL_SECONDS, urgency: 'high', collapseKey: `call${call.id}`, badge: badges.get(calleeId) ?? 0 } },
  ];
}

/** The other party a notification names: the requester or the inviter. */
function actorOf(type: string, payload: Record<string, unknown>): number | null {
  const id = type === 'friend_request' ? payload.fromUserId : type === 'room_invite' ? payload.inviterId : null;
  return typeof id === 'number' ? id : null;
}

/**
 * A room invite or friend request not yet read: its user, unless a block stands between them
 * and whoever sent it, or they are connected. Held by do-not-disturb like messages.
 */
export async function notificationIntents(deps: FanoutDeps, notificationId: number, now: Date): Promise<PushIntent[]> {
  const [note] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId)).limit(1);
  if (!note || note.readAt) return [];
  const actorId = actorOf(note.type, note.payload);
  if (actorId === null) return [];
  if ((await blockedAmong(deps.db, note.userId, [actorId])).size > 0) return [];
  const [userId] = await notConnected(deps, [note.userId]);
  if (userId === undefined) return [];
  const settings = (await settingsOf(deps.db, [userId])).get(userId)!;
  const [people, badges] = await Promise.all([usersOf(deps.db, [actorId, userId]), badgesOf(deps.db, [userId], now)]);
  const actor = people.get(actorId);
  const user = people.get(userId);
  if (!actor || !user) return [];
  const roomId = note.payload.roomId;
  const roomName = note.payload.roomName;
  const payload =
    note.type === 'room_invite' && typeof roomId === 'number'
      ? roomInvitePayload(roomId, actor.name, typeof roomName === 'string' ? roomName : '', settings.pushPrivacy, user.locale)
      : friendRequestPayload(actor.name, settings.pushPrivacy, user.locale);
  return [
    {
      userId,
      delivery: { payload, ttlSeconds: MESSAGE_TTL_SECONDS, urgency: 'normal', collapseKey: `n${note.id}`, badge: badges.get(userId) ?? 0 },
      notBefore: dndEndsAt(settings, now) ?? undefined,
    },
  ];
}
