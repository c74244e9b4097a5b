import { alias } from 'drizzle-orm/mysql-core';
import type { Pool } from 'mysql2/promise';
import { conversationMembers, conversations, type TConversationRow, type TMemberRole } from '../schema/chat';
import { rooms } from '../schema/rooms';
import { columnsReader, queryArrays, tableReader } from './row-reader';
import { liveConversation, ruleText } from './rules';
import { sqlText } from './sql-text';

export interface MembershipRow {
  conversation: TConversationRow;
  role: TMemberRole;
  lastReadMessageId: number;
  joinedAfterMessageId: number;
  /** Null unless the conversation is a room. */
  roomHistoryVisible: boolean | null;
}

const conversationReader = tableReader(conversations);
const memberReader = columnsReader([
  ['role', 'm', conversationMembers.role],
  ['lastReadMessageId', 'm', conversationMembers.lastReadMessageId],
  ['joinedAfterMessageId', 'm', conversationMembers.joinedAfterMessageId],
  ['roomHistoryVisible', 'r', rooms.historyVisible],
]);
// SQL text read by the readers: the query builder's statement building and row mapping were
// about 0.3 ms of server CPU per call, on a check nearly every chat call makes.
const MEMBERSHIPS_SELECT =
  `select ${conversationReader.selectList('c')}, ${memberReader.selectList} from conversation_members m ` +
  'join conversations c on c.id = m.conversation_id left join rooms r on r.id = m.conversation_id ' +
  `where m.user_id = ? and ${ruleText(liveConversation(alias(conversations, 'c')))}`;
const MEMBERSHIP_SELECT = `${MEMBERSHIPS_SELECT} and m.conversation_id = ? limit 1`;

const readRow = (row: unknown[]): MembershipRow => ({
  conversation: conversationReader.read(row),
  ...(memberReader.read(row, conversationReader.width) as Omit<MembershipRow, 'conversation'>),
});

/** `userId`'s membership of the live conversation `conversationId`, or null: one query. */
export async function readMembership(pool: Pool, conversationId: number, userId: number): Promise<MembershipRow | null> {
  const [row] = await queryArrays(pool, sqlText(MEMBERSHIP_SELECT, [userId, conversationId]));
  return row ? readRow(row) : null;
}

/** Every membership `userId` has of a live conversation (message search reads them all): one query. */
export async function readMemberships(pool: Pool, userId: number): Promise<MembershipRow[]> {
  return (await queryArrays(pool, sqlText(MEMBERSHIPS_SELECT, [userId]))).map(readRow);
}
