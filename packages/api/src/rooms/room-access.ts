import { conversationMembers, conversations, roomApplications, roomBans, roomInvites, rooms, users, type TMemberRole, type TRoomRow } from '@chorus/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { retryOnDeadlock } from '../db-errors';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { appendConversationEvent, type LoggedEvent } from '../chat/conversation-log';
import { createNotifications, type NewNotification, type StoredNotification } from '../notifications/notification-store';
import { deliverNotifications } from '../notifications/notifications.service';
import type { RoomMemberView } from '../realtime/events';
import type { StoredConversationEvent } from '../realtime/stored-event';
import { toMemberView } from './room-views';

export const roomNotFound = () => new AppError('NOT_FOUND', 'No such room');

export interface RoomAccess {
  room: TRoomRow;
  /** The caller's role, or null when they are not a member. */
  role: TMemberRole | null;
  joinedAt: Date | null;
}

/** A live room and the caller's place in it. "Not found" for dissolved or unknown rooms. */
export async function loadRoom(db: DbOrTx, roomId: number, userId: number, lock = false): Promise<RoomAccess> {
  const query = db
    .select()
    .from(rooms)
    .where(and(eq(rooms.id, roomId), isNull(rooms.dissolvedAt)));
  const [room] = lock ? await query.for('update') : await query;
  if (!room) throw roomNotFound();
  const [member] = await db
    .select({ role: conversationMembers.role, joinedAt: conversationMembers.joinedAt })
    .from(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, roomId), eq(conversationMembers.userId, userId)));
  return { room, role: member?.role ?? null, joinedAt: member?.joinedAt ?? null };
}

/** Members only; everyone else learns "not found". */
export function requireRoomMember(access: RoomAccess): TMemberRole {
  if (!access.role) throw roomNotFound();
  return access.role;
}

/** Owner and admins; members are refused, non-members learn "not found". */
export function requireRoomManager(access: RoomAccess): TMemberRole {
  const role = requireRoomMember(access);
  if (role === 'member') throw new AppError('FORBIDDEN', 'Only the room’s owner and admins can do this');
  return role;
}

export function requireRoomOwner(access: RoomAccess): void {
  if (requireRoomMember(access) !== 'owner') throw new AppError('FORBIDDEN', 'Only the room’s owner can do this');
}

export async function isBanned(db: DbOrTx, roomId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: roomBans.userId })
    .from(roomBans)
    .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId)));
  return Boolean(row);
}

export async function hasPendingInvite(db: DbOrTx, roomId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: roomInvites.id })
    .from(roomInvites)
    .where(and(eq(roomInvites.roomId, roomId), eq(roomInvites.inviteeId, userId), eq(roomInvites.status, 'pending')));
  return Boolean(row);
}

export interface RoomTx extends RoomAccess {
  tx: DbOrTx;
  now: Date;
  /** Appends to the room's log; published after commit. */
  log(event: LoggedEvent): Promise<void>;
  /** Stores notifications; delivered after commit. */
  notify(items: NewNotification[]): Promise<void>;
}

/**
 * Runs a change to a room in one transaction holding the room row's lock, so membership,
 * counts and playback change one at a time; logged events are published and notifications
 * delivered after commit. Lock order: room row, then its conversation row (taken by the log).
 */
export async function inRoomTransaction<T>(deps: AppDeps, roomId: number, userId: number, work: (ctx: RoomTx) => Promise<T>): Promise<T> {
  const now = deps.clock.now();
  const { result, events, notes } = await retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      const access = await loadRoom(tx, roomId, userId, true);
      const events: StoredConversationEvent[] = [];
      const notes: StoredNotification[] = [];
      const result = await work({
        ...access,
        tx,
        now,
        log: async (event) => {
          events.push(await appendConversationEvent(tx, now, roomId, event));
        },
        notify: async (items) => {
          notes.push(...(await createNotifications(tx, now, items)));
        },
      });
      return { result, events, notes };
    }),
  );
  for (const event of events) await deps.realtime.publishConversationEvent(event);
  await deliverNotifications(deps, notes);
  return result;
}

/**
 * Adds a member inside a room transaction: capacity and bans are checked under the room's
 * lock, pending invitations and applications of the user are closed, and the join is logged.
 */
export async function addRoomMember(ctx: RoomTx, userId: number, via: 'join' | 'invite' | 'application'): Promise<RoomMemberView> {
  const { tx, room, now } = ctx;
  if (await isBanned(tx, room.id, userId)) throw new AppError('ROOM_BANNED', 'You are banned from this room');
  if (room.memberCount >= room.maxMembers) throw new AppError('ROOM_FULL', 'This room is full');
  const [user] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.bannedAt)));
  if (!user) throw new AppError('NOT_FOUND', 'No such user');
  // Locks the conversation row: no message slips between reading its last id and joining.
  const [conversation] = await tx.select({ lastMessageId: conversations.lastMessageId }).from(conversations).where(eq(conversations.id, room.id)).for('update');
  await tx
    .insert(conversationMembers)
    .values({ conversationId: room.id, userId, role: 'member', joinedAfterMessageId: conversation?.lastMessageId ?? 0, joinedAt: now });
  await tx
    .update(rooms)
    .set({ memberCount: sql`${rooms.memberCount} + 1` })
    .where(eq(rooms.id, room.id));
  await tx
    .update(roomInvites)
    .set({ status: via === 'invite' ? 'accepted' : 'cancelled', respondedAt: now })
    .where(and(eq(roomInvites.roomId, room.id), eq(roomInvites.inviteeId, userId), eq(roomInvites.status, 'pending')));
  if (via !== 'application') {
    await tx
      .update(roomApplications)
      .set({ status: 'cancelled', reviewedAt: now })
      .where(and(eq(roomApplications.roomId, room.id), eq(roomApplications.userId, userId), eq(roomApplications.status, 'pending')));
  }
  const member = toMemberView(user, 'member', now);
  await ctx.log({ type: 'room.member_joined', member });
  return member;
}

/** Removes a member inside a room transaction (the caller logs why). */
export async function removeRoomMember(ctx: RoomTx, userId: number): Promise<void> {
  const [result] = await ctx.tx
    .delete(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, ctx.room.id), eq(conversationMembers.userId, userId)));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'This user is not a member of the room');
  await ctx.tx
    .update(rooms)
    .set({ memberCount: sql`${rooms.memberCount} - 1` })
    .where(eq(rooms.id, ctx.room.id));
}
