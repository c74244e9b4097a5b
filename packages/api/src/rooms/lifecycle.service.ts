import { prepareAvatar } from '../files/avatars';
import { conversationMembers, conversations, roomApplications, roomInvites, rooms, users } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { appendConversationEvent } from '../chat/conversation-log';
import type { RoomSettingsView } from '../realtime/events';
import {
  addRoomMember,
  hasPendingInvite,
  inRoomTransaction,
  isBanned,
  removeRoomMember,
  requireRoomManager,
  requireRoomOwner,
  roomNotFound,
} from './room-access';
import { clearDrift } from './drift';
import { toMemberView, toSettingsView } from './room-views';
import type { TCreateRoomInput, TUpdateRoomSettingsInput } from './rooms.schema';

/** Creates a room (a conversation of kind 'room' plus its settings) with the caller as owner. */
export async function createRoom(deps: AppDeps, userId: number, input: TCreateRoomInput): Promise<RoomSettingsView> {
  const now = deps.clock.now();
  const { room, event } = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(conversations)
      .values({ kind: 'room', name: input.name, avatarUrl: input.avatarUrl ?? null, lastActivityAt: now, createdAt: now });
    const id = created.insertId;
    const values = {
      id,
      name: input.name,
      description: input.description ?? null,
      avatarUrl: input.avatarUrl ?? null,
      visibility: input.visibility,
      joinPolicy: input.joinPolicy,
      historyVisible: input.historyVisible,
      syncEnabled: input.syncEnabled,
      controlPolicy: input.controlPolicy,
      pinPolicy: input.pinPolicy,
      maxMembers: input.maxMembers,
      memberCount: 1,
      ownerId: userId,
      playbackUpdatedAt: now,
      createdAt: now,
    };
    await tx.insert(rooms).values(values);
    await tx.insert(conversationMembers).values({ conversationId: id, userId, role: 'owner', joinedAt: now });
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, id));
    const [owner] = await tx.select().from(users).where(eq(users.id, userId));
    if (!room || !owner) throw new Error('room vanished while being created');
    const event = await appendConversationEvent(tx, now, id, { type: 'room.member_joined', member: toMemberView(owner, 'owner', now) });
    return { room, event };
  });
  await deps.realtime.publishConversationEvent(event);
  return toSettingsView(room);
}

/** Joins an open room; with a pending invitation, joining accepts it whatever the policy. */
export async function joinRoom(deps: AppDeps, userId: number, roomId: number): Promise<RoomSettingsView> {
  return inRoomTransaction(deps, roomId, userId, async (ctx) => {
    if (ctx.role) throw new AppError('ALREADY_MEMBER', 'You are already a member of this room');
    const invited = await hasPendingInvite(ctx.tx, roomId, userId);
    if (!invited) {
      if (ctx.room.visibility === 'private') throw roomNotFound();
      if (await isBanned(ctx.tx, roomId, userId)) throw new AppError('ROOM_BANNED', 'You are banned from this room');
      if (ctx.room.joinPolicy === 'approval') throw new AppError('APPROVAL_REQUIRED', 'This room takes members by application: use rooms.applyToJoin');
      if (ctx.room.joinPolicy === 'invite_only') throw new AppError('INVITE_REQUIRED', 'This room takes members by invitation only');
    }
    await addRoomMember(ctx, userId, invited ? 'invite' : 'join');
    return toSettingsView({ ...ctx.room, memberCount: ctx.room.memberCount + 1 });
  });
}

/** Leaves a room; its owner must transfer ownership or dissolve it first. */
export async function leaveRoom(deps: AppDeps, userId: number, roomId: number): Promise<{ ok: true }> {
  await inRoomTransaction(deps, roomId, userId, async (ctx) => {
    if (!ctx.role) throw roomNotFound();
    if (ctx.role === 'owner') throw new AppError('OWNER_MUST_TRANSFER', 'Transfer the ownership or dissolve the room before leaving');
    await removeRoomMember(ctx, userId);
    await ctx.log({ type: 'room.member_left', userId });
  });
  await clearDrift(deps, roomId, [userId]);
  return { ok: true };
}

/** Ends the room for everyone: its stream ends with `room.dissolved` and it can no longer be reached. */
export async function dissolveRoom(deps: AppDeps, userId: number, roomId: number): Promise<{ ok: true }> {
  await inRoomTransaction(deps, roomId, userId, async (ctx) => {
    requireRoomOwner(ctx);
    await ctx.log({ type: 'room.dissolved', by: userId });
    await ctx.tx.update(rooms).set({ dissolvedAt: ctx.now }).where(eq(rooms.id, roomId));
    await ctx.tx.update(conversations).set({ dissolvedAt: ctx.now }).where(eq(conversations.id, roomId));
    await ctx.tx
      .update(roomInvites)
      .set({ status: 'cancelled', respondedAt: ctx.now })
      .where(and(eq(roomInvites.roomId, roomId), eq(roomInvites.status, 'pending')));
    await ctx.tx
      .update(roomApplications)
      .set({ status: 'cancelled', reviewedAt: ctx.now })
      .where(and(eq(roomApplications.roomId, roomId), eq(roomApplications.status, 'pending')));
  });
  await clearDrift(deps, roomId, null);
  return { ok: true };
}

/** Owner and admins change settings; who controls playback is the owner's decision alone. */
export async function updateRoomSettings(deps: AppDeps, userId: number, input: TUpdateRoomSettingsInput): Promise<RoomSettingsView> {
  const { roomId, avatarFileId, ...given } = input;
  // Images are resized before the room is locked; the file must be the caller's own.
  const changes = avatarFileId === undefined ? given : { ...given, avatarUrl: await prepareAvatar(deps, userId, avatarFileId) };
  return inRoomTransaction(deps, roomId, userId, async (ctx) => {
    const role = requireRoomManager(ctx);
    if (changes.controlPolicy !== undefined && changes.controlPolicy !== ctx.room.controlPolicy && role !== 'owner') {
      throw new AppError('FORBIDDEN', 'Only the room’s owner decides who controls playback');
    }
    if (changes.maxMembers !== undefined && changes.maxMembers < ctx.room.memberCount) {
      throw new AppError('BAD_INPUT', `The room already has ${ctx.room.memberCount} members`);
    }
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    await ctx.tx.update(rooms).set(defined).where(eq(rooms.id, roomId));
    if (changes.name !== undefined || changes.avatarUrl !== undefined) {
      await ctx.tx
        .update(conversations)
        .set({ name: changes.name ?? ctx.room.name, avatarUrl: changes.avatarUrl === undefined ? ctx.room.avatarUrl : changes.avatarUrl })
        .where(eq(conversations.id, roomId));
    }
    const room = toSettingsView({ ...ctx.room, ...defined });
    await ctx.log({ type: 'room.settings', room, by: userId });
    return room;
  });
}
