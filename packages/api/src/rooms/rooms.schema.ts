import { roomApplicationStatuses, roomControlPolicies, roomInviteStatuses, roomJoinPolicies, roomPinPolicies, roomVisibilities } from '@chorus/db';
import { z } from 'zod';
import { ZHttpUrl } from '../account/account.schema';
import { ZId, ZMemberRole } from '../chat/chat.schema';
import { ZPresenceStatus } from '../presence/presence.schema';
import { zString, zText } from '../strings';

export const MAX_ROOM_MEMBERS = 10_000;

const ZName = zString().trim().min(1).max(100);
const ZDescription = zText().trim().max(1000);
const ZVisibility = z.enum(roomVisibilities);
const ZJoinPolicy = z.enum(roomJoinPolicies);
const ZControlPolicy = z.enum(roomControlPolicies);
const ZPinPolicy = z.enum(roomPinPolicies);
export const ZPlaybackAction = z.enum(['set_media', 'play', 'pause', 'seek', 'set_rate']);

export const ZCreateRoomInput = z.object({
  name: ZName,
  description: ZDescription.optional(),
  avatarUrl: ZHttpUrl.optional(),
  visibility: ZVisibility,
  joinPolicy: ZJoinPolicy,
  historyVisible: z.boolean().default(true),
  syncEnabled: z.boolean().default(true),
  /** Who may control playback besides the owner (default: the owner only). */
  controlPolicy: ZControlPolicy.default('owner'),
  /** Who may pin messages in the room's chat besides the owner (default: admins). */
  pinPolicy: ZPinPolicy.default('admins'),
  maxMembers: z.number().int().min(2).max(MAX_ROOM_MEMBERS).default(200),
});
export type TCreateRoomInput = z.infer<typeof ZCreateRoomInput>;

export const ZUpdateRoomSettingsInput = z
  .object({
    roomId: ZId,
    name: ZName.optional(),
    description: ZDescription.nullable().optional(),
    avatarUrl: ZHttpUrl.nullable().optional(),
    /** An uploaded image of the caller's, made the room's avatar (standard sizes, public). */
    avatarFileId: zString()
      .regex(/^[\w-]{1,32}$/)
      .optional(),
    visibility: ZVisibility.optional(),
    joinPolicy: ZJoinPolicy.optional(),
    historyVisible: z.boolean().optional(),
    syncEnabled: z.boolean().optional(),
    controlPolicy: ZControlPolicy.optional(),
    pinPolicy: ZPinPolicy.optional(),
    maxMembers: z.number().int().min(2).max(MAX_ROOM_MEMBERS).optional(),
  })
  .refine((input) => Object.keys(input).some((key) => key !== 'roomId' && input[key as keyof typeof input] !== undefined), 'Change at least one setting')
  .refine((input) => input.avatarUrl === undefined || input.avatarFileId === undefined, 'Give avatarUrl or avatarFileId, not both');
export type TUpdateRoomSettingsInput = z.infer<typeof ZUpdateRoomSettingsInput>;

export const ZRoomRef = z.object({ roomId: ZId });
export const ZRoomMemberRef = z.object({ roomId: ZId, userId: ZId });
export const ZKickInput = z.object({ roomId: ZId, userId: ZId, /** Also keep them from coming back. */ ban: z.boolean().default(false) });
export const ZSetRoomRoleInput = z.object({ roomId: ZId, userId: ZId, role: ZMemberRole.exclude(['owner']) });
export const ZRespondInviteInput = z.object({ inviteId: ZId, accept: z.boolean() });
export const ZApplyInput = z.object({ roomId: ZId, message: zText().trim().max(500).optional() });
export const ZReviewApplicationInput = z.object({ applicationId: ZId, approve: z.boolean() });

export const ZListRoomsInput = z.object({
  scope: z.enum(['public', 'mine']),
  /** Prefix of the room's name. */
  query: zString().trim().min(1).max(100).optional(),
  /** `nextCursor` of the previous page. */
  cursor: ZId.optional(),
  limit: z.number().int().min(1).max(100).default(30),
});
export type TListRoomsInput = z.infer<typeof ZListRoomsInput>;

export const ZPlaybackControlInput = z
  .object({
    roomId: ZId,
    action: ZPlaybackAction,
    positionSec: z.number().min(0).max(1e7).optional(),
    mediaUrl: ZHttpUrl.optional(),
    rate: z.number().min(0.25).max(4).optional(),
  })
  .superRefine((input, ctx) => {
    const need = { set_media: 'mediaUrl', seek: 'positionSec', set_rate: 'rate' } as const;
    const field = need[input.action as keyof typeof need];
    if (field && input[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${input.action} needs ${field}` });
  });
export type TPlaybackControlInput = z.infer<typeof ZPlaybackControlInput>;

export const ZPlaybackReportInput = z.object({ roomId: ZId, positionSec: z.number().min(0).max(1e7), paused: z.boolean() });
export type TPlaybackReportInput = z.infer<typeof ZPlaybackReportInput>;

export const ZRoomClockInput = z.object({ /** The client's clock when it sent this, in ms. */ clientTime: z.number() });

export const ZRoomEventsInput = z.object({ roomId: ZId, lastEventId: zString().max(20).nullish() });

export const ZRoomSettings = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  visibility: ZVisibility,
  joinPolicy: ZJoinPolicy,
  historyVisible: z.boolean(),
  syncEnabled: z.boolean(),
  controlPolicy: ZControlPolicy,
  pinPolicy: ZPinPolicy,
  maxMembers: z.number(),
  memberCount: z.number(),
  ownerId: z.number(),
  createdAt: z.date(),
});

/** The authoritative playback of a room: where it was at `updatedAt` (server time). */
export const ZPlaybackState = z.object({
  mediaUrl: z.string().nullable(),
  paused: z.boolean(),
  positionSec: z.number(),
  rate: z.number(),
  updatedAt: z.date(),
  updatedBy: z.number().nullable(),
});

/** Where a member's player was when it last reported, against the authoritative position. */
export const ZDrift = z.object({
  userId: z.number(),
  positionSec: z.number(),
  paused: z.boolean(),
  /** Reported minus authoritative position at the report's server time; positive is ahead. */
  driftSec: z.number(),
  /** Within tolerance and paused the same way as the room. */
  inSync: z.boolean(),
  reportedAt: z.date(),
});

export const ZRoomMemberView = z.object({
  userId: z.number(),
  username: z.string(),
  displayName: z.string(),
  avatarUrl: z.string().nullable(),
  role: ZMemberRole,
  joinedAt: z.date(),
});
/** A member with their presence, as `rooms.get` and the room's snapshot show them. */
export const ZRoomMember = ZRoomMemberView.extend({ presence: ZPresenceStatus });

export const ZRoomInvite = z.object({
  id: z.number(),
  roomId: z.number(),
  inviteeId: z.number(),
  inviterId: z.number(),
  status: z.enum(roomInviteStatuses),
  createdAt: z.date(),
});
export const ZRoomApplication = z.object({
  id: z.number(),
  roomId: z.number(),
  userId: z.number(),
  message: z.string().nullable(),
  status: z.enum(roomApplicationStatuses),
  createdAt: z.date(),
});

/** What `rooms.get` shows depends on who asks: the optional parts are there for members (and managers) only. */
export const ZRoomView = z.object({
  room: ZRoomSettings,
  myRole: ZMemberRole.nullable(),
  /** For a non-member: whether they are invited, have applied, or are banned. */
  myStatus: z.enum(['member', 'invited', 'applied', 'banned', 'none']),
  members: z.array(ZRoomMember).optional(),
  playback: ZPlaybackState.optional(),
  drift: z.array(ZDrift).optional(),
  pendingApplications: z.array(ZRoomApplication).optional(),
  pendingInvites: z.array(ZRoomInvite).optional(),
});

export const ZRoomListItem = ZRoomSettings.extend({ myRole: ZMemberRole.nullable() });
export const ZRoomPage = z.object({ items: z.array(ZRoomListItem), nextCursor: z.number().nullable() });
