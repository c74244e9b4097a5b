import { conversationMembers, conversations, liveConversation, readMembership, type Db, type MembershipRow, type TConversationRow } from '@chorus/db';
import { and, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';

/** The caller's membership of a conversation, as requireMember finds it. */
export type Membership = MembershipRow;

const notFound = () => new AppError('NOT_FOUND', 'No such conversation');

/**
 * The caller's membership of a live conversation. Anyone else learns only "not found", so
 * guessing ids reveals nothing.
 */
export async function requireMember(db: Db, conversationId: number, userId: number): Promise<Membership> {
  const membership = await readMembership(db.$client, conversationId, userId);
  if (!membership) throw notFound();
  return membership;
}

/** Owner or admin of a group. */
export async function requireGroupManager(db: Db, conversationId: number, userId: number): Promise<Membership> {
  const membership = await requireMember(db, conversationId, userId);
  if (membership.conversation.kind !== 'group') throw new AppError('BAD_INPUT', 'Only groups are managed with chat.* (rooms: rooms.*)');
  if (membership.role === 'member') throw new AppError('FORBIDDEN', 'Only the owner and admins can do this');
  return membership;
}

export async function requireGroupOwner(db: Db, conversationId: number, userId: number): Promise<Membership> {
  const membership = await requireGroupManager(db, conversationId, userId);
  if (membership.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the owner can do this');
  return membership;
}

export function peerOf(conversation: TConversationRow, userId: number): number | null {
  if (!conversation.directKey) return null;
  const [a, b] = conversation.directKey.split(':').map(Number);
  return a === userId ? (b ?? null) : (a ?? null);
}

export async function memberIdsOf(db: DbOrTx, conversationId: number): Promise<number[]> {
  const rows = await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
  return rows.map((row) => row.userId);
}

/**
 * Messages with ids above this are visible to the member: all of them, except in a room that
 * hides its history from newcomers, where only those sent after the member joined.
 */
export function visibleAfter(membership: Membership): number {
  return membership.conversation.kind === 'room' && membership.roomHistoryVisible === false ? membership.joinedAfterMessageId : 0;
}

/**
 * Those of `others` who share a live direct or group conversation with `userId` (rooms do not
 * count: strangers meet there). Who may call and who may see presence both ask this.
 */
export async function sharedConversationPeers(db: DbOrTx, userId: number, others: number[]): Promise<Set<number>> {
  if (others.length === 0) return new Set();
  const other = alias(conversationMembers, 'other_member');
  const rows = await db
    .selectDistinct({ userId: other.userId })
    .from(conversationMembers)
    .innerJoin(other, and(eq(other.conversationId, conversationMembers.conversationId), inArray(other.userId, others)))
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(and(eq(conversationMembers.userId, userId), inArray(conversations.kind, ['direct', 'group']), liveConversation(conversations)));
  return new Set(rows.map((row) => row.userId));
}
