import { conversationMembers, conversations, roomApplications, roomInvites, rooms, users } from '@chorus/db';
import { and, asc, desc, eq, isNull, like, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import type { RoomEvent } from '../realtime/events';
import type { RoomSnapshot } from '../realtime/room-stream';
import { escapeLike } from '../users/users.service';
import { readDrift } from './drift';
import { toApplicationView, toInviteView } from './invites.service';
import { hasPendingInvite, isBanned, loadRoom, roomNotFound } from './room-access';
import { toMemberView, toPlaybackState, toSettingsView } from './room-views';
import type { TListRoomsInput } from './rooms.schema';

async function membersWithPresence(deps: Pick<AppDeps, 'realtime'>, db: DbOrTx, roomId: number) {
  const rows = await db
    .select({ user: users, role: conversationMembers.role, joinedAt: conversationMembers.joinedAt })
    .from(conversationMembers)
    .innerJoin(users, eq(users.id, conversationMembers.userId))
    .where(eq(conversationMembers.conversationId, roomId))
    .orderBy(asc(conversationMembers.joinedAt), asc(conversationMembers.userId));
  const presence = await deps.realtime.presence.statusOf(rows.map((row) => row.user.id));
  return rows.map((row, index) => ({ ...toMemberView(row.user, row.role, row.joinedAt), presence: presence[index]?.status ?? ('offline' as const) }));
}

/**
 * A room as the caller may see it. A private room is "not found" to anyone but its members
 * and the users invited to it; a public one shows its settings to all. Members also see the
 * members, playback and drift; owner and admins also pending applications and invitations.
 */
export async function getRoom(deps: AppDeps, userId: number, roomId: number) {
  const access = await loadRoom(deps.db, roomId, userId);
  const room = toSettingsView(access.room);
  if (!access.role) {
    const invited = await hasPendingInvite(deps.db, roomId, userId);
    if (access.room.visibility === 'private' && !invited) throw roomNotFound();
    const banned = await isBanned(deps.db, roomId, userId);
    const [applied] = await deps.db
      .select({ id: roomApplications.id })
      .from(roomApplications)
      .where(and(eq(roomApplications.roomId, roomId), eq(roomApplications.userId, userId), eq(roomApplications.status, 'pending')));
    const myStatus = banned ? 'banned' : invited ? 'invited' : applied ? 'applied' : 'none';
    return { room, myRole: null, myStatus } as const;
  }
  const members = await membersWithPresence(deps, deps.db, roomId);
  const drift = await readDrift(deps, roomId, new Set(members.map((member) => member.userId)));
  const view = { room, myRole: access.role, myStatus: 'member' as const, members, playback: toPlaybackState(access.room), drift };
  if (access.role === 'member') return view;
  const [applications, invites] = await Promise.all([
    deps.db
      .select()
      .from(roomApplications)
      .where(and(eq(roomApplications.roomId, roomId), eq(roomApplications.status, 'pending')))
      .orderBy(asc(roomApplications.id))
      .limit(500),
    deps.db
      .select()
      .from(roomInvites)
      .where(and(eq(roomInvites.roomId, roomId), eq(roomInvites.status, 'pending')))
      .orderBy(asc(roomInvites.id))
      .limit(500),
  ]);
  return { ...view, pendingApplications: applications.map(toApplicationView), pendingInvites: invites.map(toInviteView) };
}

/** Public rooms anyone may find, or the caller's own rooms; newest first, by name prefix. */
export async function listRooms(deps: AppDeps, userId: number, input: TListRoomsInput) {
  const conditions = [isNull(rooms.dissolvedAt)];
  if (input.query) conditions.push(like(rooms.name, `${escapeLike(input.query)}%`));
  if (input.cursor) conditions.push(lt(rooms.id, input.cursor));
  const base = deps.db
    .select({ room: rooms, myRole: conversationMembers.role })
    .from(rooms)
    .leftJoin(conversationMembers, and(eq(conversationMembers.conversationId, rooms.id), eq(conversationMembers.userId, userId)));
  if (input.scope === 'public') conditions.push(eq(rooms.visibility, 'public'));
  else conditions.push(eq(conversationMembers.userId, userId));
  const rows = await base
    .where(and(...conditions))
    .orderBy(desc(rooms.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => ({ ...toSettingsView(row.room), myRole: row.myRole })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.room.id ?? null) : null,
  };
}

/**
 * What a new room subscriber starts from, read in one transaction so the state, the members
 * and the log position it is as of agree.
 */
export async function roomSnapshot(deps: AppDeps, roomId: number): Promise<RoomSnapshot> {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ room: rooms, seq: conversations.lastSeq })
      .from(rooms)
      .innerJoin(conversations, eq(conversations.id, rooms.id))
      .where(eq(rooms.id, roomId));
    if (!row) throw roomNotFound();
    const members = await membersWithPresence(deps, tx, roomId);
    const drift = await readDrift(deps, roomId, new Set(members.map((member) => member.userId)));
    const event: Extract<RoomEvent, { type: 'room.snapshot' }> = {
      type: 'room.snapshot',
      seq: row.seq,
      room: toSettingsView(row.room),
      members,
      playback: toPlaybackState(row.room),
      drift,
      serverTime: deps.clock.now(),
    };
    return { seq: row.seq, event };
  });
}
