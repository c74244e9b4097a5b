import { conversationKinds, memberRoles, messageKinds, ZAttachment, ZLinkPreview } from '@chorus/db';
import { z } from 'zod';
import { ZHttpUrl } from '../account/account.schema';
import { ZPublicUser } from '../users/users.schema';
import { zString, zText } from '../strings';
import { ZThreadSummary, ZThreadUnread } from './threads/thread-summary.schema';

export const ZId = z.number().int().positive();
export const MAX_TEXT = 4000;
export const MAX_GROUP_MEMBERS = 2000;

export const ZMessageKind = z.enum(messageKinds);
export const ZMemberRole = z.enum(memberRoles);

export const ZOpenDirectInput = z.object({ userId: ZId });
export const ZCreateGroupInput = z.object({
  name: zString().trim().min(1).max(100),
  memberIds: z.array(ZId).max(500),
  avatarUrl: ZHttpUrl.optional(),
});
export type TCreateGroupInput = z.infer<typeof ZCreateGroupInput>;

export const ZListInput = z
  .object({
    /** `nextCursor` of the previous page. */
    cursor: zString().max(64).optional(),
    limit: z.number().int().min(1).max(100).default(30),
  })
  .default({ limit: 30 });
export type TListInput = z.infer<typeof ZListInput>;

export const ZConversationRef = z.object({ conversationId: ZId });
export const ZMemberRef = z.object({ conversationId: ZId, userId: ZId });
export const ZAddMembersInput = z.object({ conversationId: ZId, userIds: z.array(ZId).min(1).max(500) });
export const ZSetRoleInput = z.object({ conversationId: ZId, userId: ZId, role: ZMemberRole.exclude(['owner']) });
export const ZUpdateConversationInput = z
  .object({
    conversationId: ZId,
    name: zString().trim().min(1).max(100).optional(),
    avatarUrl: ZHttpUrl.nullable().optional(),
    /** An uploaded image of the caller's, made the group's avatar (standard sizes, public). */
    avatarFileId: zString()
      .regex(/^[\w-]{1,32}$/)
      .optional(),
  })
  .refine((input) => input.name !== undefined || input.avatarUrl !== undefined || input.avatarFileId !== undefined, 'Change at least one field')
  .refine((input) => input.avatarUrl === undefined || input.avatarFileId === undefined, 'Give avatarUrl or avatarFileId, not both');
export type TUpdateConversationInput = z.infer<typeof ZUpdateConversationInput>;

export const ZSendInput = z
  .object({
    conversationId: ZId,
    /** The client's idempotency key: retries with the same key return the first message. */
    clientId: zString().trim().min(1).max(64),
    kind: ZMessageKind.exclude(['system']),
    text: zText().max(MAX_TEXT, `At most ${MAX_TEXT} characters`).optional(),
    /** For `image` and `file`: a file the sender uploaded (via tus at /files/); the message carries its stored metadata. */
    attachment: z.object({ fileId: zString().min(1).max(32) }).optional(),
    replyToId: ZId.optional(),
    /** false: no link preview for this message (default true; the sender's account setting also applies). */
    previews: z.boolean().optional(),
    /** Posts the message as a reply in the thread under this root message (see chat.thread). */
    threadRootId: ZId.optional(),
  })
  .superRefine((input, ctx) => {
    const hasText = (input.text ?? '').trim().length > 0;
    if ((input.kind === 'text' || input.kind === 'emoji') && !hasText) ctx.addIssue({ code: 'custom', path: ['text'], message: 'Enter a message' });
    if ((input.kind === 'image' || input.kind === 'file') && !input.attachment)
      ctx.addIssue({ code: 'custom', path: ['attachment'], message: 'Attach a file' });
    if ((input.kind === 'text' || input.kind === 'emoji') && input.attachment)
      ctx.addIssue({ code: 'custom', path: ['attachment'], message: 'Send files as kind image or file' });
  });
export type TSendInput = z.infer<typeof ZSendInput>;

export const ZEditInput = z.object({ messageId: ZId, text: zText().trim().min(1).max(MAX_TEXT) });
export const ZMessageRef = z.object({ messageId: ZId });
export const ZReactInput = z.object({ messageId: ZId, emoji: zString().trim().min(1).max(32) });
export const ZHistoryInput = z.object({
  conversationId: ZId,
  /** Messages older than this id (the oldest id of the previous page). */
  beforeId: ZId.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type THistoryInput = z.infer<typeof ZHistoryInput>;
export const ZMarkReadInput = z.object({ conversationId: ZId, upToMessageId: ZId });

export const ZMessage = z.object({
  id: z.number(),
  conversationId: z.number(),
  senderId: z.number(),
  clientId: z.string(),
  kind: ZMessageKind,
  text: z.string().nullable(),
  attachment: ZAttachment.nullable(),
  replyToId: z.number().nullable(),
  mentions: z.array(z.number()),
  reactions: z.array(z.object({ emoji: z.string(), userIds: z.array(z.number()) })),
  editedAt: z.date().nullable(),
  deletedAt: z.date().nullable(),
  createdAt: z.date(),
  /** The first link's preview, added shortly after the send with a `message.updated` event; null: none (yet). */
  preview: ZLinkPreview.nullable(),
  /** Set on a thread reply: its root message. */
  threadRootId: z.number().nullable(),
  /** Set on a root message once it has replies. */
  thread: ZThreadSummary.nullable(),
});

export const ZMember = z.object({ user: ZPublicUser, role: ZMemberRole, joinedAt: z.date(), lastReadMessageId: z.number() });

export const ZConversationSummary = z.object({
  id: z.number(),
  kind: z.enum(conversationKinds).exclude(['room']),
  name: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  /** The other person, for direct conversations. */
  peer: ZPublicUser.nullable(),
  myRole: ZMemberRole,
  lastActivityAt: z.date(),
  lastMessage: ZMessage.nullable(),
  /** Messages from others after my read marker (capped at 1,000). */
  unreadCount: z.number(),
  threadUnread: ZThreadUnread,
  /**
   * My level here (`default`: my account's level for this kind) and mute, set with
   * chat.setNotificationLevel. A muted conversation still delivers live and counts unread, but
   * clients should not badge it or add it to an app-wide badge.
   */
  notificationLevel: z.enum(['default', 'all', 'mentions', 'none']),
  mutedUntil: z.date().nullable(),
});
/** What `chat.update` answers: the conversation's own fields, as its `conversation.updated` event carries them. */
export const ZConversationFields = ZConversationSummary.pick({ id: true, kind: true, name: true, avatarUrl: true });
export const ZConversationPage = z.object({ items: z.array(ZConversationSummary), nextCursor: z.string().nullable() });

export const ZConversationDetail = ZConversationSummary.extend({
  members: z.array(ZMember),
  /** Users typing now. */
  typingUserIds: z.array(z.number()),
});
