import { aiConversations, aiMessages, sqlText } from '@chorus/db';
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { consumeOrThrow } from '../auth/rate-limits';
import { AppError } from '../errors';
import { toConversationView, toMessageView } from '../ai/conversations/views';
import { decodeCursor, encodeCursor, positiveInt } from './cursor';
import { date, type SearchEngine } from './engine';
import { parseQuery, type ParsedQuery } from './query';
import { onReadDb } from '../replica/on-replica';
import type { TAiSearchInput, TAiSearchPage } from './search.schema';
import { buildSnippet, matchesLiterally } from './snippet';

type Found = { docId: string; conversationId: number; messageId: number; sortAt: number };

const readKey = ([sortAt, docId]: unknown[]) =>
  positiveInt(sortAt) && typeof docId === 'string' && /^[mt]\d{1,15}$/.test(docId) ? { sortAt: sortAt as number, docId } : undefined;

/**
 * ai.conversations.search: the caller's own AI conversations whose title or finished messages
 * match, one result per matching title or message, newest first (a message by its time, a title
 * by its conversation's creation). Only conversations the caller owns (the index row's owner and
 * the conversation's, joined); messages and conversations deleted since they were indexed are
 * left out by the join, and a title changed since is checked against its current text.
 */
export async function searchAiConversations(deps: AppDeps, userId: number, input: TAiSearchInput): Promise<TAiSearchPage> {
  const engine = deps.search.engine;
  if (!engine) throw new AppError('UNAVAILABLE', 'Search is not available on this server');
  const query = parseQuery(input.query);
  const after = decodeCursor(input.cursor, readKey);
  await consumeOrThrow(deps.limiters.searchesPerUser, String(userId));
  return onReadDb(deps, userId, (on) => searchOn(on, userId, input, engine, query, after));
}

async function searchOn(
  deps: AppDeps,
  userId: number,
  input: TAiSearchInput,
  engine: SearchEngine,
  query: ParsedQuery,
  after: ReturnType<typeof readKey>,
): Promise<TAiSearchPage> {
  const conditions = [engine.aiCondition(query), sqlText('s.user_id = ? and c.user_id = ?', [userId, userId]), '(s.message_id = 0 or m.id is not null)'];
  if (after) {
    const at = date(new Date(after.sortAt));
    conditions.push(sqlText('(s.sort_at < ? or (s.sort_at = ? and s.doc_id < ?))', [at, at, after.docId]));
  }
  const [found] = await deps.db.$client.query({
    sql:
      'select s.doc_id as docId, s.conversation_id as conversationId, s.message_id as messageId, s.sort_at as sortAt from ai_search s ' +
      'join ai_conversations c on c.id = s.conversation_id left join ai_messages m on m.id = s.message_id ' +
      `where ${conditions.join(' and ')} order by s.sort_at desc, s.doc_id desc limit ${input.limit + 1}`,
    typeCast: (field, next) => (field.name === 'sortAt' ? new Date(`${field.string()!.replace(' ', 'T')}Z`).getTime() : next()),
  });
  const rows = z
    .array(z.object({ docId: z.string(), conversationId: z.coerce.number(), messageId: z.coerce.number(), sortAt: z.number() }))
    .parse(found) as Found[];
  const page = rows.slice(0, input.limit);
  const conversationIds = [...new Set(page.map((row) => row.conversationId))];
  const messageIds = page.filter((row) => row.messageId > 0).map((row) => row.messageId);
  const [conversations, messages] = await Promise.all([
    conversationIds.length === 0 ? [] : deps.db.select().from(aiConversations).where(inArray(aiConversations.id, conversationIds)),
    messageIds.length === 0 ? [] : deps.db.select().from(aiMessages).where(inArray(aiMessages.id, messageIds)),
  ]);
  const conversationById = new Map(conversations.map((row) => [row.id, row]));
  const messageById = new Map(messages.map((row) => [row.id, row]));
  const items = page.flatMap((row) => {
    const conversation = conversationById.get(row.conversationId);
    if (!conversation || conversation.userId !== userId) return [];
    const message = row.messageId > 0 ? messageById.get(row.messageId) : null;
    if (message === undefined) return [];
    const text = message ? message.content : (conversation.title ?? '');
    if (!message && !matchesLiterally(text, query)) return [];
    return [{ conversation: toConversationView(conversation), message: message ? toMessageView(message) : null, snippet: buildSnippet(text, query) }];
  });
  const last = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor([last.sortAt, last.docId]) : null };
}
