import { messages, readMemberships, sqlText, type TMessageRow } from '@chorus/db';
import { inArray } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { withReactions } from '../chat/message.mapper';
import { peerOf, requireMember, visibleAfter, type Membership } from '../chat/membership';
import { decodeCursor, encodeCursor, positiveInt } from './cursor';
import { booleanModeQuery, parseQuery } from './query';
import type { TChatSearchInput, TChatSearchPage } from './search.schema';
import { buildSnippet } from './snippet';

/**
 * chat.search: the caller's messages matching the query, newest first. Visible exactly as
 * chat.history shows them: in the live conversations the caller is a member of (requireMember /
 * readMemberships), above the member's floor where a room hides earlier history (visibleAfter),
 * not deleted, found by the current text only (an index row made before the latest edit is not
 * used until the indexer has caught up). Blocks do not hide a direct chat's past messages in
 * history, so they do not here either.
 */
export async function searchMessages(deps: AppDeps, userId: number, input: TChatSearchInput): Promise<TChatSearchPage> {
  if (!deps.search.engine) throw new AppError('UNAVAILABLE', 'Message search is not available on this server');
  const query = parseQuery(input.query);
  const beforeId = decodeCursor(input.cursor, ([id]) => positiveInt(id));
  const memberships = input.conversationId ? [await requireMember(deps.db, input.conversationId, userId)] : await readMemberships(deps.db.$client, userId);
  if (memberships.length === 0) return { items: [], nextCursor: null };

  const conditions = [
    sqlText('match(s.body) against (? in boolean mode)', [booleanModeQuery(query)]),
    'm.deleted_at is null',
    's.text_version = coalesce(m.edited_at, m.created_at)',
    scopeSql(memberships),
  ];
  if (input.fromUserId) conditions.push(sqlText('s.sender_id = ?', [input.fromUserId]));
  if (input.kind) conditions.push(sqlText('s.kind = ?', [input.kind]));
  if (input.hasAttachment !== undefined) conditions.push(`s.has_attachment = ${input.hasAttachment ? 1 : 0}`);
  if (input.before) conditions.push(sqlText('s.created_at < ?', [messages.createdAt.mapToDriverValue(input.before)]));
  if (input.after) conditions.push(sqlText('s.created_at > ?', [messages.createdAt.mapToDriverValue(input.after)]));
  if (beforeId) conditions.push(sqlText('s.message_id < ?', [beforeId]));
  const [found] = await deps.db.$client.query(
    `select s.message_id as id from message_search s join messages m on m.id = s.message_id where ${conditions.join(' and ')} ` +
      `order by s.message_id desc limit ${input.limit + 1}`,
  );
  const ids = (found as Array<{ id: number }>).map((row) => Number(row.id));
  const pageIds = ids.slice(0, input.limit);
  const rows = pageIds.length === 0 ? [] : await deps.db.select().from(messages).where(inArray(messages.id, pageIds));
  const byId = new Map((await withReactions(deps.db, rows)).map((message) => [message.id, message]));
  const rowsById = new Map<number, TMessageRow>(rows.map((row) => [row.id, row]));
  const conversations = new Map(memberships.map((membership) => [membership.conversation.id, membership.conversation]));
  const items = pageIds.flatMap((id) => {
    const message = byId.get(id);
    const conversation = message && conversations.get(message.conversationId);
    if (!message || !conversation) return [];
    return [
      {
        message,
        conversation: {
          id: conversation.id,
          kind: conversation.kind,
          name: conversation.name,
          avatarUrl: conversation.avatarUrl,
          peerId: peerOf(conversation, userId),
        },
        snippet: buildSnippet(rowsById.get(id)!.text ?? '', query),
      },
    ];
  });
  return { items, nextCursor: ids.length > input.limit ? encodeCursor([pageIds.at(-1)!]) : null };
}

/** The caller's conversations, each from its floor on (visibleAfter), as one condition on the index. */
function scopeSql(memberships: Membership[]): string {
  const whole: number[] = [];
  const parts: string[] = [];
  for (const membership of memberships) {
    const floor = visibleAfter(membership);
    if (floor === 0) whole.push(membership.conversation.id);
    else parts.push(sqlText('(s.conversation_id = ? and s.message_id > ?)', [membership.conversation.id, floor]));
  }
  if (whole.length > 0) parts.unshift(sqlText('s.conversation_id in (?)', [whole]));
  return `(${parts.join(' or ')})`;
}
