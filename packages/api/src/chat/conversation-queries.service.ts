import { conversationMembers, conversations, liveConversation, messages, users, type TMemberRole } from '@chorus/db';
import { and, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { toPublicUser } from '../users/users.service';
import type { TListInput } from './chat.schema';
import { withReactions } from './message.mapper';
import type { TMemberNotifyLevel } from '../notifications/levels';
import { peerOf, requireMember } from './membership';
import { typingUserIds } from './typing.service';
import { mainHistoryLast } from './threads/main-last-message';
import { NO_THREAD_UNREAD, threadUnreadByConversation } from './threads/thread-unread';
import { onReadDb } from '../replica/on-replica';

const UNREAD_CAP = 1000;

/** The caller's conversations, most recently active first, with preview and unread count. */
export function listConversations(deps: AppDeps, userId: number, input: TListInput) {
  return onReadDb(deps, userId, (on) => listOn(on, userId, input));
}

async function listOn(deps: AppDeps, userId: number, input: TListInput) {
  const cursor = decodeCursor(input.cursor);
  const rows = await deps.db
    .select({
      conversation: conversations,
      role: conversationMembers.role,
      lastRead: conversationMembers.lastReadMessageId,
      notifyLevel: conversationMembers.notifyLevel,
      mutedUntil: conversationMembers.mutedUntil,
    })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(
      and(
        eq(conversationMembers.userId, userId),
        liveConversation(conversations),
        // Rooms have their own listing (rooms.list).
        ne(conversations.kind, 'room'),
        cursor ? or(lt(conversations.lastActivityAt, cursor.at), and(eq(conversations.lastActivityAt, cursor.at), lt(conversations.id, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const items = await summarize(deps, userId, page);
  const tail = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && tail ? encodeCursor(tail.conversation.lastActivityAt, tail.conversation.id) : null };
}

export async function getConversation(deps: AppDeps, userId: number, conversationId: number) {
  const membership = await requireMember(deps.db, conversationId, userId);
  // A room is shown by rooms.get.
  if (membership.conversation.kind === 'room') throw new AppError('NOT_FOUND', 'No such conversation');
  const [own] = await deps.db
    .select({ notifyLevel: conversationMembers.notifyLevel, mutedUntil: conversationMembers.mutedUntil })
    .from(conversationMembers)
    .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)))
    .limit(1);
  const [summary] = await summarize(deps, userId, [
    {
      conversation: membership.conversation,
      role: membership.role,
      lastRead: membership.lastReadMessageId,
      notifyLevel: own?.notifyLevel ?? 'default',
      mutedUntil: own?.mutedUntil ?? null,
    },
  ]);
  const memberRows = await deps.db
    .select({ user: users, role: conversationMembers.role, joinedAt: conversationMembers.joinedAt, lastReadMessageId: conversationMembers.lastReadMessageId })
    .from(conversationMembers)
    .innerJoin(users, eq(users.id, conversationMembers.userId))
    .where(eq(conversationMembers.conversationId, conversationId))
    .orderBy(conversationMembers.joinedAt);
  return {
    ...summary!,
    members: memberRows.map((row) => ({ user: toPublicUser(row.user), role: row.role, joinedAt: row.joinedAt, lastReadMessageId: row.lastReadMessageId })),
    typingUserIds: await typingUserIds(deps, conversationId),
  };
}

type Row = {
  conversation: typeof conversations.$inferSelect;
  role: TMemberRole;
  lastRead: number;
  notifyLevel: TMemberNotifyLevel;
  mutedUntil: Date | null;
};

async function summarize(deps: AppDeps, userId: number, rows: Row[]) {
  const lastIds = rows.map((row) => row.conversation.lastMessageId).filter((id): id is number => id !== null);
  const lastMessages = lastIds.length > 0 ? await withReactions(deps.db, await deps.db.select().from(messages).where(inArray(messages.id, lastIds))) : [];
  const peerIds = rows.map((row) => peerOf(row.conversation, userId)).filter((id): id is number => id !== null);
  const peers = peerIds.length > 0 ? await deps.db.select().from(users).where(inArray(users.id, peerIds)) : [];
  const shownLast = await mainHistoryLast(deps.db, lastMessages);
  const threadUnread = await threadUnreadByConversation(
    deps.db,
    userId,
    rows.map((row) => row.conversation.id),
  );
  return Promise.all(
    rows.map(async (row) => {
      const peerId = peerOf(row.conversation, userId);
      const peer = peers.find((candidate) => candidate.id === peerId);
      return {
        id: row.conversation.id,
        kind: row.conversation.kind as 'direct' | 'group',
        name: row.conversation.name,
        avatarUrl: row.conversation.avatarUrl,
        peer: peer ? toPublicUser(peer) : null,
        myRole: row.role,
        lastActivityAt: row.conversation.lastActivityAt,
        lastMessage: shownLast.get(row.conversation.id) ?? null,
        unreadCount: await unreadCount(deps, row.conversation.id, userId, row.lastRead),
        threadUnread: threadUnread.get(row.conversation.id) ?? NO_THREAD_UNREAD,
        notificationLevel: row.notifyLevel,
        mutedUntil: row.mutedUntil,
      };
    }),
  );
}

/** Counted on the (conversation_id, id) index, at most UNREAD_CAP rows. */
async function unreadCount(deps: AppDeps, conversationId: number, userId: number, lastRead: number): Promise<number> {
  const unread = deps.db
    .select({ one: sql`1` })
    .from(messages)
    // Thread replies count in threadUnread instead.
    .where(
      and(
        eq(messages.conversationId, conversationId),
        gt(messages.id, lastRead),
        ne(messages.senderId, userId),
        isNull(messages.deletedAt),
        isNull(messages.threadRootId),
      ),
    )
    .limit(UNREAD_CAP)
    .as('unread');
  const [row] = await deps.db.select({ count: sql<number>`count(*)` }).from(unread);
  return Number(row?.count ?? 0);
}

function encodeCursor(at: Date, id: number): string {
  return `${at.getTime()}_${id}`;
}

function decodeCursor(cursor: string | undefined): { at: Date; id: number } | null {
  const match = cursor ? /^(\d+)_(\d+)$/.exec(cursor) : null;
  return match ? { at: new Date(Number(match[1])), id: Number(match[2]) } : null;
}
