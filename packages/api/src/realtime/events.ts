/**
 * Everything `events.subscribe` can yield, as one discriminated union on `type`. Persisted
 * events travel with an id (`tracked`) and are replayed after a reconnect; ephemeral ones
 * (typing, presence) are live only. The shapes they carry are the procedures' output shapes
 * (zod, beside each domain's router), so what an event says of a message, a call or a room is
 * what a query returns.
 */
import type { TConversationKind, TMemberRole } from '@chorus/db';
import type { z } from 'zod';
import type { ZMessage } from '../chat/chat.schema';
import type { ZThreadSummary } from '../chat/threads/thread-summary.schema';
import type { ZCallParty, ZCallView } from '../calls/calls.outputs';
import type { TSignalInput } from '../calls/calls.schema';
import type { ZFriendRequest } from '../friends/friends.schema';
import type { ZNotification } from '../notifications/notifications.schema';
import type { ZNotificationSettings } from '../notifications/settings/settings.schema';
import type { ZPresence, ZPresenceStatus } from '../presence/presence.schema';
import type { ZDrift, ZPlaybackAction, ZPlaybackState, ZRoomMember, ZRoomMemberView, ZRoomSettings } from '../rooms/rooms.schema';

export type PublicMessage = z.infer<typeof ZMessage>;
export type ThreadSummaryView = z.infer<typeof ZThreadSummary>;
export type FriendRequestView = z.infer<typeof ZFriendRequest>;
export type PresenceStatus = z.infer<typeof ZPresenceStatus>;
export type PresenceView = z.infer<typeof ZPresence>;
export type NotificationView = z.infer<typeof ZNotification>;
export type NotificationSettingsView = z.infer<typeof ZNotificationSettings>;
export type CallView = z.infer<typeof ZCallView>;
export type CallPartyView = z.infer<typeof ZCallParty>;
export type PlaybackState = z.infer<typeof ZPlaybackState>;
export type DriftView = z.infer<typeof ZDrift>;
export type RoomSettingsView = z.infer<typeof ZRoomSettings>;
export type RoomMemberView = z.infer<typeof ZRoomMemberView>;

/** What members are told of a conversation when it is made or changed (rooms included). */
/** Written out rather than picked from the table's row type: clients' declarations must not need drizzle. */
export interface ConversationSummaryEvent {
  id: number;
  kind: TConversationKind;
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
  | { type: 'member.role'; userId: number; role: TMemberRole }
  /** Pinning again replaces the pin (new `by`, `pinnedAt`, `until`). */
  | { type: 'message.pinned'; messageId: number; by: number; pinnedAt: Date; until: Date | null }
  /** `by` is null when the pin expired, or the user who deleted the message. */
  | { type: 'message.unpinned'; messageId: number; by: number | null; reason: 'unpinned' | 'expired' | 'deleted' }
  /** A root message's thread summary after a reply (logged right after the reply's message.created). */
  | { type: 'thread.updated'; rootId: number; thread: ThreadSummaryView };

export type ConversationEventEnvelope = ConversationEvent & { conversationId: number; seq: number; at: Date };

/** WebRTC signaling relayed between the two parties: SDP for offer/answer, one ICE candidate for ice. */
export type CallSignal = DistributiveOmit<TSignalInput, 'callId'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
  /** The user read a thread up to here (on another device, say). */
  | { type: 'thread.read'; conversationId: number; rootId: number; lastReadReplyId: number }
  /** To every device of the callee: someone is calling (ring until a `call.updated` says otherwise). */
  | { type: 'call.incoming'; call: CallView; caller: CallPartyView }
  /** To both parties on every status change: answered (other devices of the callee stop ringing), ended with its outcome. */
  | { type: 'call.updated'; call: CallView }
  /** The user changed their notification settings (on another device, say): the whole settings after the change. */
  | { type: 'notification_settings.updated'; settings: NotificationSettingsView };

/** Someone is typing in a conversation (or a room's chat) until `expiresAt`. */
type TypingEvent = { type: 'typing'; conversationId: number; userId: number; expiresAt: Date };
/** The requested position is older than the retention window (or unknown): reload by queries. */
type ResyncEvent = { type: 'resync'; reason: 'expired' | 'unknown_position' };

export type EphemeralEvent =
  | TypingEvent
  | { type: 'presence'; presence: PresenceView }
  /** Live only, to the other party of a ringing or active call (see calls/signal.service.ts for why). */
  | ({ type: 'call.signal'; callId: number; from: number } & CallSignal);

export type ChorusEvent =
  ConversationEventEnvelope | (UserEvent & { at: Date }) | EphemeralEvent | { type: 'presence.snapshot'; users: PresenceView[] } | ResyncEvent;

/** Events of a room's ordered log, besides its chat (which uses the conversation events). */
export type RoomLogEvent =
  | { type: 'room.member_joined'; member: RoomMemberView }
  | { type: 'room.member_left'; userId: number }
  | { type: 'room.member_kicked'; userId: number; by: number; banned: boolean }
  | { type: 'room.member_role'; userId: number; role: TMemberRole; by: number }
  | { type: 'room.settings'; room: RoomSettingsView; by: number }
  | { type: 'room.playback'; action: z.infer<typeof ZPlaybackAction>; playback: PlaybackState }
  | { type: 'room.dissolved'; by: number };

type RoomChatEvent = Extract<
  ConversationEvent,
  {
    type:
      | 'message.created'
      | 'message.updated'
      | 'message.deleted'
      | 'reaction.added'
      | 'reaction.removed'
      | 'read'
      | 'message.pinned'
      | 'message.unpinned'
      | 'thread.updated';
  }
>;

export type RoomEventEnvelope = (RoomLogEvent | RoomChatEvent) & { roomId: number; seq: number; at: Date };

/** Everything `rooms.events` can yield. */
export type RoomEvent =
  | RoomEventEnvelope
  | {
      type: 'room.snapshot';
      /** The room log position this state is as of; events replayed after it may be older chat. */
      seq: number;
      room: RoomSettingsView;
      members: Array<z.infer<typeof ZRoomMember>>;
      playback: PlaybackState;
      drift: DriftView[];
      /** The server's time when the snapshot was taken. */
      serverTime: Date;
    }
  /** At most about once a second while members report: who is out of sync (up to 200), and how many are in sync. */
  | { type: 'playback.drift'; outOfSync: DriftView[]; inSyncCount: number; at: Date }
  | TypingEvent
  | ResyncEvent;
