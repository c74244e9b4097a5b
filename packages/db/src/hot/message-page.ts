import type { Pool } from 'mysql2/promise';
import { messages, type TMessageRow } from '../schema/chat';
import { queryArrays, tableReader } from './row-reader';
import { sqlText } from './sql-text';

/** A message's reactions as `[emoji, userId]` pairs, in the order they were made. */
export type ReactionPair = [emoji: string, userId: number];

export interface PageMessage {
  row: TMessageRow;
  reactions: ReactionPair[];
}

const messageReader = tableReader(messages);
/**
 * The message's reactions as a JSON array of `[emoji, userId]` in the order they were made
 * (null when none), so a page of messages and their reactions come back in one query.
 */
const REACTION_PAIRS = '(SELECT JSON_ARRAYAGG(JSON_ARRAY(r.emoji, r.user_id) ORDER BY r.created_at) FROM message_reactions r WHERE r.message_id = messages.id)';
// Without the index hint MariaDB walks the index from the newest message back, reading every
// row newer than `beforeId`; with it, a page is one short range scan. SQL text read by
// tableReader: the query builder's statement building and row mapping were about 14% of the
// server's CPU for a page of 50.
const PAGE_SELECT = `select ${messageReader.selectList('messages')}, ${REACTION_PAIRS} from messages force index (messages_conversation_idx) where messages.conversation_id = ? and messages.thread_root_id is null`;

/**
 * A page of a conversation's main history (thread replies are shown under their root), newest first, with their reactions, in one query:
 * `limit` messages with ids below `beforeId` (when given). Who may see them is the caller's
 * business.
 */
export async function readMessagePage(pool: Pool, page: { conversationId: number; beforeId?: number | undefined; limit: number }): Promise<PageMessage[]> {
  const query = page.beforeId
    ? sqlText(`${PAGE_SELECT} and messages.id < ? order by messages.id desc limit ?`, [page.conversationId, page.beforeId, page.limit])
    : sqlText(`${PAGE_SELECT} order by messages.id desc limit ?`, [page.conversationId, page.limit]);
  const rows = await queryArrays(pool, query);
  return rows.map((row) => ({ row: messageReader.read(row), reactions: reactionPairs(row[messageReader.width]) }));
}

/** mysql2 parses a JSON value; MariaDB's JSON is text, so there it comes as a string to parse. */
function reactionPairs(value: unknown): ReactionPair[] {
  if (!value) return [];
  return (typeof value === 'string' ? JSON.parse(value) : value) as ReactionPair[];
}
