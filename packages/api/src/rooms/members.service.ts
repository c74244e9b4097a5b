import { conversationMembers, roomBans, rooms } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { clearDrift } from './drift';
import { inRoomTransaction, removeRoomMember, requireRoomManager, requireRoomOwner, type RoomTx } from './room-access';

async function roleOf(ctx: RoomTx, userId: number) {
  const [row] = await ctx.tx
    .select({ role: conversationMembers.role })
    .from(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, ctx.room.id), eq(conversationMembers.userId, userId)));
  if (!row) throw new AppError('NOT_FOUND', 'This user is not a member of the room');
  return row.role;
}

/**
 * Removes a member (and with `ban`, keeps them out). The owner may kick anyone else; admins
 * only plain members. The kicked member's room stream ends and they are notified.
 */
export async function kickMember(deps: AppDeps, userId: number, input: { roomId: number; userId: number; ban: boolean }): Promise<{ ok: true }> {
  await inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    const role = requireRoomManager(ctx);
    if (input.userId === userId) throw new AppError('BAD_INPUT', 'Use rooms.leave to leave a room');
    const targetRole = await roleOf(ctx, input.userId);
    if (targetRole === 'owner' || (targetRole === 'admin' && role !== 'owner')) throw new AppError('FORBIDDEN', 'You cannot remove this member');
    await removeRoomMember(ctx, input.userId);
    if (input.ban)
      await ctx.tx
        .insert(roomBans)
        .values({ roomId: input.roomId, userId: input.userId, bannedBy: userId, createdAt: ctx.now })
        .onDuplicateKeyUpdate({ set: { bannedBy: userId } });
    await ctx.log({ type: 'room.member_kicked', userId: input.userId, by: userId, banned: input.ban });
    await ctx.notify([
      { userId: input.userId, type: 'system', payload: { kind: 'room_kicked', roomId: input.roomId, roomName: ctx.room.name, banned: input.ban } },
    ]);
  });
  await clearDrift(deps, input.roomId, [input.userId]);
  return { ok: true };
}

export async function unbanMember(deps: AppDeps, userId: number, input: { roomId: number; userId: number }): Promise<{ ok: true }> {
  await inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    requireRoomManager(ctx);
    const [result] = await ctx.tx.delete(roomBans).where(and(eq(roomBans.roomId, input.roomId), eq(roomBans.userId, input.userId)));
    if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'This user is not banned from the room');
  });
  return { ok: true };
}

/** The owner makes members admins or takes it back. */
export async function setMemberRole(deps: AppDeps, userId: number, input: { roomId: number; userId: number; role: 'admin' | 'member' }): Promise<{ ok: true }> {
  await inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    requireRoomOwner(ctx);
    if (input.userId === userId) throw new AppError('BAD_INPUT', 'Transfer the ownership to change your own role');
    const current = await roleOf(ctx, input.userId);
    if (current === input.role) return;
    await ctx.tx
      .update(conversationMembers)
      .set({ role: input.role })
      .where(and(eq(conversationMembers.conversationId, input.roomId), eq(conversationMembers.userId, input.userId)));
    await ctx.log({ type: 'room.member_role', userId: input.userId, role: input.role, by: userId });
  });
  return { ok: true };
}

/** The owner hands the room to another member and becomes an admin. */
export async function transferRoomOwnership(deps: AppDeps, userId: number, input: { roomId: number; userId: number }): Promise<{ ok: true }> {
  await inRoomTransaction(deps, input.roomId, userId, async (ctx) => {
    requireRoomOwner(ctx);
    if (input.userId === userId) throw new AppError('BAD_INPUT', 'You already own this room');
    await roleOf(ctx, input.userId);
    const setRole = (memberId: number, role: 'owner' | 'admin') =>
      ctx.tx
        .update(conversationMembers)
        .set({ role })
        .where(and(eq(conversationMembers.conversationId, input.roomId), eq(conversationMembers.userId, memberId)));
    await setRole(input.userId, 'owner');
    await setRole(userId, 'admin');
    await ctx.tx.update(rooms).set({ ownerId: input.userId }).where(eq(rooms.id, input.roomId));
    await ctx.log({ type: 'room.member_role', userId: input.userId, role: 'owner', by: userId });
    await ctx.log({ type: 'room.member_role', userId, role: 'admin', by: userId });
  });
  return { ok: true };
}
