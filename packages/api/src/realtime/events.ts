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
  kind: 'direct' | 'group';
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

/** Events addressed to users directly (not part of a conversation). */
export type UserEvent =
  | { type: 'notification'; notification: NotificationView }
  | { type: 'friend.request'; request: FriendRequestView }
  | { type: 'friend.responded'; request: FriendRequestView }
  | { type: 'friend.cancelled'; request: FriendRequestView }
  | { type: 'friend.removed'; userId: number }
  | { type: 'friend.blocked'; userId: number };

export type EphemeralEvent =
  | { type: 'typing'; conversationId: number; userId: number; expiresAt: Date }
  | { type: 'presence'; presence: PresenceView };

export type ChorusEvent =
  | ConversationEventEnvelope
  | (UserEvent & { at: Date })
  | EphemeralEvent
  | { type: 'presence.snapshot'; users: PresenceView[] }
  /** The requested position is older than the retention window (or unknown): reload by queries. */
  | { type: 'resync'; reason: 'expired' | 'unknown_position' };
