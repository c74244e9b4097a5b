/**
 * Everything `events.subscribe` can yield, as one discriminated union on `type`. Persisted
 * events travel with an id (`tracked`) and are replayed after a reconnect; ephemeral ones
 * (typing, presence) are live only.
 */
export interface PublicMessage {
  id: number;
  conversationId: number;
  senderId: number;
  clientId: string;
  kind: 'text' | 'emoji' | 'image' | 'file' | 'system';
  text: string | null;
  attachment: { fileId: string; name: string; size: number; mimeType: string; width?: number; height?: number } | null;
  replyToId: number | null;
  mentions: number[];
  reactions: Array<{ emoji: string; userIds: number[] }>;
  editedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
}

export interface FriendRequestView {
  id: number;
  fromUserId: number;
  toUserId: number;
  message: string | null;
  status: 'pending' | 'accepted' | 'declined' | 'cancelled';
  createdAt: Date;
  respondedAt: Date | null;
}

export type PresenceStatus = 'online' | 'away' | 'offline';
export interface PresenceView {
  userId: number;
  status: PresenceStatus;
  lastSeenAt: Date | null;
}

export interface ConversationSummaryEvent {
  id: number;
  kind: 'direct' | 'group' | 'room';
  name: string | null;
  avatarUrl: string | null;
}

/** Events that belong to a conversation's ordered log (`seq` within the conversation). */
export type ConversationEvent =
  | { type: 'message.created'; message: PublicMessage }
  | { type: 'message.updated'; message: PublicMessage }
  | { type: 'message.deleted'; messageId: number }
  | { type: 'reaction.added'; messageId: number; userId: number; emoji: string }
  | { type: 'reaction.removed'; messageId: number; userId: number; emoji: string }
  | { type: 'read'; userId: number; upToMessageId: number }
  | { type: 'conversation.created'; conversation: ConversationSummaryEvent; memberIds: number[] }
  | { type: 'conversation.updated'; conversation: ConversationSummaryEvent }
  | { type: 'conversation.dissolved' }
  | { type: 'member.added'; userIds: number[]; by: number }
  | { type: 'member.removed'; userId: number; by: number; reason: 'removed' | 'left' }
  | { type: 'member.role'; userId: number; role: 'owner' | 'admin' | 'member' };

export type ConversationEventEnvelope = ConversationEvent & { conversationId: number; seq: number; at: Date };

export interface NotificationView {
  id: number;
  type: 'room_invite' | 'room_application' | 'application_result' | 'friend_request' | 'friend_accepted' | 'mention' | 'system';
  payload: Record<string, unknown>;
  readAt: Date | null;
  createdAt: Date;
}

/** A one-to-one call as both parties see it (calls.* return it, call events carry it). */
export interface CallView {
  id: number;
  callerId: number;
  calleeId: number;
  media: 'audio' | 'video';
  status: 'ringing' | 'active' | 'ended';
  /** How it ended; null until it has. */
  outcome: 'completed' | 'missed' | 'rejected' | 'cancelled' | 'busy' | 'dropped' | null;
  /** The party whose action (or lost connection) ended it; null for missed and busy. */
  endedBy: number | null;
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Seconds from answer to end (millisecond precision); null unless the call was answered and has ended. */
  durationSec: number | null;
}

/** Who is calling, for the callee's ringing screen. */
export interface CallPartyView {
  id: number;
  username: string;
  displayName: string;
  avatarUrl: string | null;
}

/** WebRTC signaling relayed between the two parties: SDP for offer/answer, one ICE candidate for ice. */
export type CallSignal =
  | { kind: 'offer' | 'answer'; payload: { sdp: string } }
  | { kind: 'ice'; payload: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment: string | null } };

/** Events addressed to users directly (not part of a conversation). */
export type UserEvent =
  | { type: 'notification'; notification: NotificationView }
  | { type: 'friend.request'; request: FriendRequestView }
  | { type: 'friend.responded'; request: FriendRequestView }
  | { type: 'friend.cancelled'; request: FriendRequestView }
  | { type: 'friend.removed'; userId: number }
  | { type: 'friend.blocked'; userId: number }
  /** An AI conversation got its generated title. */
  | { type: 'ai.title'; conversationId: number; title: string }
  /** To every device of the callee: someone is calling (ring until a `call.updated` says otherwise). */
  | { type: 'call.incoming'; call: CallView; caller: CallPartyView }
  /** To both parties on every status change: answered (other devices of the callee stop ringing), ended with its outcome. */
  | { type: 'call.updated'; call: CallView };

export type EphemeralEvent =
  | { type: 'typing'; conversationId: number; userId: number; expiresAt: Date }
  | { type: 'presence'; presence: PresenceView }
  /** Live only, to the other party of a ringing or active call (see calls/signal.service.ts for why). */
  | ({ type: 'call.signal'; callId: number; from: number } & CallSignal);

export type ChorusEvent =
  | ConversationEventEnvelope
  | (UserEvent & { at: Date })
  | EphemeralEvent
  | { type: 'presence.snapshot'; users: PresenceView[] }
  /** The requested position is older than the retention window (or unknown): reload by queries. */
  | { type: 'resync'; reason: 'expired' | 'unknown_position' };

/** The authoritative playback of a room: where it was at `updatedAt` (server time). */
export interface PlaybackState {
  mediaUrl: string | null;
  paused: boolean;
  positionSec: number;
  rate: number;
  updatedAt: Date;
  updatedBy: number | null;
}

/** Where a member's player was when it last reported, against the authoritative position. */
export interface DriftView {
  userId: number;
  positionSec: number;
  paused: boolean;
  /** Reported minus authoritative position at the report's server time; positive is ahead. */
  driftSec: number;
  /** Within tolerance and paused the same way as the room. */
  inSync: boolean;
  reportedAt: Date;
}

export interface RoomSettingsView {
  id: number;
  name: string;
  description: string | null;
  avatarUrl: string | null;
  visibility: 'public' | 'private';
  joinPolicy: 'open' | 'approval' | 'invite_only';
  historyVisible: boolean;
  syncEnabled: boolean;
  controlPolicy: 'everyone' | 'admins' | 'owner';
  maxMembers: number;
  memberCount: number;
  ownerId: number;
  createdAt: Date;
}

export interface RoomMemberView {
  userId: number;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  role: 'owner' | 'admin' | 'member';
  joinedAt: Date;
}

/** Events of a room's ordered log, besides its chat (which uses the conversation events). */
export type RoomLogEvent =
  | { type: 'room.member_joined'; member: RoomMemberView }
  | { type: 'room.member_left'; userId: number }
  | { type: 'room.member_kicked'; userId: number; by: number; banned: boolean }
  | { type: 'room.member_role'; userId: number; role: 'owner' | 'admin' | 'member'; by: number }
  | { type: 'room.settings'; room: RoomSettingsView; by: number }
  | { type: 'room.playback'; action: 'set_media' | 'play' | 'pause' | 'seek' | 'set_rate'; playback: PlaybackState }
  | { type: 'room.dissolved'; by: number };

type RoomChatEvent = Extract<ConversationEvent, { type: 'message.created' | 'message.updated' | 'message.deleted' | 'reaction.added' | 'reaction.removed' | 'read' }>;

export type RoomEventEnvelope = (RoomLogEvent | RoomChatEvent) & { roomId: number; seq: number; at: Date };

/** Everything `rooms.events` can yield. */
export type RoomEvent =
  | RoomEventEnvelope
  | {
      type: 'room.snapshot';
      /** The room log position this state is as of; events replayed after it may be older chat. */
      seq: number;
      room: RoomSettingsView;
      members: Array<RoomMemberView & { presence: PresenceStatus }>;
      playback: PlaybackState;
      drift: DriftView[];
      /** The server's time when the snapshot was taken. */
      serverTime: Date;
    }
  /** At most about once a second while members report: who is out of sync (up to 200), and how many are in sync. */
  | { type: 'playback.drift'; outOfSync: DriftView[]; inSyncCount: number; at: Date }
  | { type: 'typing'; conversationId: number; userId: number; expiresAt: Date }
  | { type: 'resync'; reason: 'expired' | 'unknown_position' };
