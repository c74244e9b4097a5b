import { sql } from 'drizzle-orm';
import { bigint, boolean, datetime, double, index, int, mysqlEnum, mysqlTable, primaryKey, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { conversations } from './chat';
import { users } from './users';

export const roomVisibilities = ['public', 'private'] as const;
export const roomJoinPolicies = ['open', 'approval', 'invite_only'] as const;
/** Who may control playback besides the owner. */
export const roomControlPolicies = ['everyone', 'admins', 'owner'] as const;
/** Who may pin messages in the room's chat besides the owner. */
export const roomPinPolicies = ['everyone', 'admins', 'owner'] as const;
export const roomInviteStatuses = ['pending', 'accepted', 'declined', 'cancelled'] as const;
export const roomApplicationStatuses = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type TRoomVisibility = (typeof roomVisibilities)[number];
export type TRoomJoinPolicy = (typeof roomJoinPolicies)[number];
export type TRoomControlPolicy = (typeof roomControlPolicies)[number];
export type TRoomPinPolicy = (typeof roomPinPolicies)[number];

/**
 * A watch-together room. Its id is the id of its conversation (kind 'room'), which holds the
 * members, the chat and the ordered event log; this row holds the settings and the
 * authoritative playback state.
 */
export const rooms = mysqlTable(
  'rooms',
  {
    id: bigint({ mode: 'number', unsigned: true })
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    name: varchar({ length: 100 }).notNull(),
    description: varchar({ length: 1000 }),
    avatarUrl: varchar({ length: 2048 }),
    visibility: mysqlEnum(roomVisibilities).notNull(),
    joinPolicy: mysqlEnum(roomJoinPolicies).notNull(),
    historyVisible: boolean().notNull(),
    syncEnabled: boolean().notNull(),
    controlPolicy: mysqlEnum(roomControlPolicies).notNull().default('owner'),
    pinPolicy: mysqlEnum(roomPinPolicies).notNull().default('admins'),
    maxMembers: int().notNull(),
    memberCount: int().notNull().default(0),
    ownerId: bigint({ mode: 'number', unsigned: true }).notNull(),
    mediaUrl: varchar({ length: 2048 }),
    paused: boolean().notNull().default(true),
    /** Where playback was at `playbackUpdatedAt`; it advances by `rate` per second while playing. */
    positionSec: double().notNull().default(0),
    rate: double().notNull().default(1),
    playbackUpdatedAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    playbackUpdatedBy: bigint({ mode: 'number', unsigned: true }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    dissolvedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    // rooms.list({ scope: 'public' }): live public rooms, newest first.
    index('rooms_public_idx').on(t.visibility, t.dissolvedAt, t.id),
  ],
);

/** Users kicked with a ban: they cannot join, apply or be invited until unbanned. */
export const roomBans = mysqlTable(
  'room_bans',
  {
    roomId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    bannedBy: bigint({ mode: 'number', unsigned: true }).notNull(),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [primaryKey({ name: 'room_bans_pk', columns: [t.roomId, t.userId] })],
);

/** One row per room and invitee; a new invitation reopens it. */
export const roomInvites = mysqlTable(
  'room_invites',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    roomId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    inviteeId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    inviterId: bigint({ mode: 'number', unsigned: true }).notNull(),
    status: mysqlEnum(roomInviteStatuses).notNull().default('pending'),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    respondedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    uniqueIndex('room_invites_pair_uq').on(t.roomId, t.inviteeId),
    // A user's pending invitations.
    index('room_invites_invitee_idx').on(t.inviteeId, t.status),
  ],
);

/** One row per room and applicant; applying again reopens it. */
export const roomApplications = mysqlTable(
  'room_applications',
  {
    id: bigint({ mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    roomId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: bigint({ mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    message: varchar({ length: 500 }),
    status: mysqlEnum(roomApplicationStatuses).notNull().default('pending'),
    reviewedBy: bigint({ mode: 'number', unsigned: true }),
    createdAt: datetime({ mode: 'date', fsp: 3 })
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    reviewedAt: datetime({ mode: 'date', fsp: 3 }),
  },
  (t) => [
    uniqueIndex('room_applications_pair_uq').on(t.roomId, t.userId),
    // Pending applications of a room, for its owner and admins.
    index('room_applications_room_idx').on(t.roomId, t.status),
  ],
);

export type TRoomRow = typeof rooms.$inferSelect;
export type TRoomInviteRow = typeof roomInvites.$inferSelect;
export type TRoomApplicationRow = typeof roomApplications.$inferSelect;
