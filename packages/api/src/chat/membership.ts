import { columnsReader, conversationMembers, conversations, queryArrays, rooms, sqlText, tableReader, type Db, type TConversationRow, type TMemberRole } from '@chorus/db';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';

export interface Membership {
  conversation: TConversationRow;
  role: TMemberRole;
  lastReadMessageId: number;
  joinedAfterMessageId: number;
  /** Null unless the conversation is a room. */
  roomHistoryVisible: boolean | null;
}

const notFound = () => new AppError('NOT_FOUND', 'No such conversation');

const conversationReader = tableReader(conversations);
const memberReader = columnsReader([
  ['role', 'm', conversationMembers.role],
  ['lastReadMessageId', 'm', conversationMembers.lastReadMessageId],
  ['joinedAfterMessageId', 'm', conversationMembers.joinedAfterMessageId],
  ['roomHistoryVisible', 'r', rooms.historyVisible],
]);
// SQL text read by the readers: the query builder's statement building and row mapping were
// about 0.3 ms of server CPU per call, on a check nearly every chat call makes.
const MEMBERSHIP_SELECT =
  `select ${conversationReader.selectList('c')}, ${memberReader.selectList} from conversation_members m ` +
  'join conversations c on c.id = m.conversation_id left join rooms r on r.id = m.conversation_id ' +
  'where m.conversation_id = ? and m.user_id = ? and c.dissolved_at is null limit 1';

/**
 * The caller's membership of a live conversation. Anyone else learns only "not found", so
 * guessing ids reveals nothing.
 */
export async function requireMember(db: Db, conversationId: number, userId: number): Promise<Membership> {
  const [row] = await queryArrays(db.$client, sqlText(MEMBERSHIP_SELECT, [conversationId, userId]));
  if (!row) throw notFound();
  return { conversation: conversationReader.read(row), ...(memberReader.read(row, conversationReader.width) as Omit<Membership, 'conversation'>) };
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
    .where(and(eq(conversationMembers.userId, userId), inArray(conversations.kind, ['direct', 'group']), isNull(conversations.dissolvedAt)));
  return new Set(rows.map((row) => row.userId));
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
