import { conversationMembers, roomApplications, roomInvites, users, type TRoomApplicationRow, type TRoomInviteRow } from '@chorus/db';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { hasBlocked } from '../friends/blocks';
import { addRoomMember, inRoomTransaction, isBanned, requireRoomManager, roomNotFound } from './room-access';

/** Owner or admin invites a user; the invitee is notified and answers with rooms.respondInvite. */
export async function inviteToRoom(deps: AppDeps, userId: number, input: { roomId: number; userId: number }): Promise<{ inviteId: number }> {
  return inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    requireRoomManager(ctx);
    const [invitee] = await ctx.tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, input.userId), isNull(users.bannedAt)));
    if (!invitee) throw new AppError('NOT_FOUND', 'No such user');
    // Someone who blocked the inviter looks the same as someone who does not exist.
    if (await hasBlocked(ctx.tx, input.userId, userId)) throw new AppError('NOT_FOUND', 'No such user');
    const [member] = await ctx.tx
      .select({ userId: conversationMembers.userId })
      .from(conversationMembers)
      .where(and(eq(conversationMembers.conversationId, input.roomId), eq(conversationMembers.userId, input.userId)));
    if (member) throw new AppError('ALREADY_MEMBER', 'This user is already a member');
    if (await isBanned(ctx.tx, input.roomId, input.userId)) throw new AppError('ROOM_BANNED', 'This user is banned from the room; unban them first');
    const [existing] = await ctx.tx
      .select()
      .from(roomInvites)
      .where(and(eq(roomInvites.roomId, input.roomId), eq(roomInvites.inviteeId, input.userId)));
    if (existing?.status === 'pending') return { inviteId: existing.id };
    let inviteId: number;
    if (existing) {
      await ctx.tx
        .update(roomInvites)
        .set({ status: 'pending', inviterId: userId, createdAt: ctx.now, respondedAt: null })
        .where(eq(roomInvites.id, existing.id));
      inviteId = existing.id;
    } else {
      const [result] = await ctx.tx.insert(roomInvites).values({ roomId: input.roomId, inviteeId: input.userId, inviterId: userId, createdAt: ctx.now });
      inviteId = result.insertId;
    }
    await ctx.notify([{ userId: input.userId, type: 'room_invite', payload: { inviteId, roomId: input.roomId, roomName: ctx.room.name, inviterId: userId } }]);
    return { inviteId };
  });
}

/** The invitee accepts (and joins, whatever the room's policy) or declines. */
export async function respondToInvite(deps: AppDeps, userId: number, input: { inviteId: number; accept: boolean }): Promise<{ joined: boolean }> {
  const invite = await pendingInviteOf(deps, input.inviteId, userId);
  return inRoomTransaction(deps, invite.roomId, userId, async (ctx) => {
    const [current] = await ctx.tx.select().from(roomInvites).where(eq(roomInvites.id, invite.id));
    if (current?.status !== 'pending') throw new AppError('NOT_FOUND', 'No such invitation');
    if (!input.accept) {
      await ctx.tx.update(roomInvites).set({ status: 'declined', respondedAt: ctx.now }).where(eq(roomInvites.id, invite.id));
      return { joined: false };
    }
    if (ctx.role) throw new AppError('ALREADY_MEMBER', 'You are already a member of this room');
    await addRoomMember(ctx, userId, 'invite');
    return { joined: true };
  });
}

/** Applies to join an approval room; owner and admins are notified. Applying again while pending changes nothing. */
export async function applyToRoom(deps: AppDeps, userId: number, input: { roomId: number; message?: string }): Promise<{ applicationId: number }> {
  return inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    if (ctx.role) throw new AppError('ALREADY_MEMBER', 'You are already a member of this room');
    if (ctx.room.visibility === 'private') throw roomNotFound();
    if (await isBanned(ctx.tx, input.roomId, userId)) throw new AppError('ROOM_BANNED', 'You are banned from this room');
    if (ctx.room.joinPolicy === 'open') throw new AppError('CONFLICT', 'This room is open: join it with rooms.join');
    if (ctx.room.joinPolicy === 'invite_only') throw new AppError('INVITE_REQUIRED', 'This room takes members by invitation only');
    const [existing] = await ctx.tx
      .select()
      .from(roomApplications)
      .where(and(eq(roomApplications.roomId, input.roomId), eq(roomApplications.userId, userId)));
    if (existing?.status === 'pending') return { applicationId: existing.id };
    const message = input.message ?? null;
    let applicationId: number;
    if (existing) {
      await ctx.tx
        .update(roomApplications)
        .set({ status: 'pending', message, reviewedBy: null, reviewedAt: null, createdAt: ctx.now })
        .where(eq(roomApplications.id, existing.id));
      applicationId = existing.id;
    } else {
      const [result] = await ctx.tx.insert(roomApplications).values({ roomId: input.roomId, userId, message, createdAt: ctx.now });
      applicationId = result.insertId;
    }
    const managers = await ctx.tx
      .select({ userId: conversationMembers.userId })
      .from(conversationMembers)
      .where(and(eq(conversationMembers.conversationId, input.roomId), inArray(conversationMembers.role, ['owner', 'admin'])));
    const payload = { applicationId, roomId: input.roomId, roomName: ctx.room.name, userId, message };
    await ctx.notify(managers.map((manager) => ({ userId: manager.userId, type: 'room_application' as const, payload })));
    return { applicationId };
  });
}

/** Owner or admin approves (the applicant joins) or rejects; the applicant is notified either way. */
export async function reviewApplication(deps: AppDeps, userId: number, input: { applicationId: number; approve: boolean }): Promise<{ ok: true }> {
  const [application] = await deps.db.select().from(roomApplications).where(eq(roomApplications.id, input.applicationId));
  if (!application) throw new AppError('NOT_FOUND', 'No such application');
  await inRoomTransaction(deps, application.roomId, userId, async (ctx) => {
    // Someone outside the room's management learns nothing about its applications.
    if (!ctx.role) throw new AppError('NOT_FOUND', 'No such application');
    requireRoomManager(ctx);
    const [current] = await ctx.tx.select().from(roomApplications).where(eq(roomApplications.id, application.id));
    if (current?.status !== 'pending') throw new AppError('CONFLICT', 'This application was already decided');
    if (input.approve) await addRoomMember(ctx, application.userId, 'application');
    await ctx.tx
      .update(roomApplications)
      .set({ status: input.approve ? 'approved' : 'rejected', reviewedBy: userId, reviewedAt: ctx.now })
      .where(eq(roomApplications.id, application.id));
    await ctx.notify([
      {
        userId: application.userId,
        type: 'application_result',
        payload: { applicationId: application.id, roomId: application.roomId, roomName: ctx.room.name, approved: input.approve },
      },
    ]);
  });
  return { ok: true };
}

async function pendingInviteOf(deps: AppDeps, inviteId: number, userId: number): Promise<TRoomInviteRow> {
  const [invite] = await deps.db
    .select()
    .from(roomInvites)
    .where(and(eq(roomInvites.id, inviteId), eq(roomInvites.inviteeId, userId), eq(roomInvites.status, 'pending')));
  if (!invite) throw new AppError('NOT_FOUND', 'No such invitation');
  return invite;
}

export function toInviteView(row: TRoomInviteRow) {
  return { id: row.id, roomId: row.roomId, inviteeId: row.inviteeId, inviterId: row.inviterId, status: row.status, createdAt: row.createdAt };
}

export function toApplicationView(row: TRoomApplicationRow) {
  return { id: row.id, roomId: row.roomId, userId: row.userId, message: row.message, status: row.status, createdAt: row.createdAt };
}
