import { messages, readMemberships, type TMessageRow } from '@chorus/db';
import { inArray } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { consumeOrThrow } from '../auth/rate-limits';
import { AppError } from '../errors';
import { withReactions } from '../chat/message.mapper';
import { peerOf, requireMember, visibleAfter } from '../chat/membership';
import { decodeCursor, encodeCursor, positiveInt } from './cursor';
import { textVersion, type ChatFilters, type SearchEngine } from './engine';
import { onReadDb } from '../replica/on-replica';
import { parseQuery, type ParsedQuery } from './query';
import type { TChatSearchInput, TChatSearchPage } from './search.schema';
import { buildSnippet } from './snippet';

/** Index rounds of one page at most: each after a round whose candidates were all stale. */
const MAX_ROUNDS = 4;

/**
 * chat.search: the caller's messages matching the query, newest first. Visible exactly as
 * chat.history shows them: in the live conversations the caller is a member of (requireMember /
 * readMemberships), above the member's floor where a room hides earlier history (visibleAfter),
 * not deleted, found by the current text only. Blocks do not hide a direct chat's past messages
 * in history, so they do not here either.
 *
 * The index query reads the index table alone (so Mroonga can sort and limit inside Groonga);
 * the candidates' current rows then drop those deleted or edited since they were indexed (the
 * indexer catches up within a poll), and when that leaves the page short, the index is asked
 * again below the last candidate.
 */
export async function searchMessages(deps: AppDeps, userId: number, input: TChatSearchInput): Promise<TChatSearchPage> {
  const engine = deps.search.engine;
  if (!engine) throw new AppError('UNAVAILABLE', 'Message search is not available on this server');
  const query = parseQuery(input.query);
  await consumeOrThrow(deps.limiters.searchesPerUser, String(userId));
  return onReadDb(deps, userId, (on) => searchOn(on, userId, input, engine, query));
}

async function searchOn(deps: AppDeps, userId: number, input: TChatSearchInput, engine: SearchEngine, query: ParsedQuery): Promise<TChatSearchPage> {
  const cursorId = decodeCursor(input.cursor, ([id]) => positiveInt(id));
  const memberships = input.conversationId ? [await requireMember(deps.db, input.conversationId, userId)] : await readMemberships(deps.db.$client, userId);
  if (memberships.length === 0) return { items: [], nextCursor: null };
  const filters: ChatFilters = {
    scope: memberships.map((membership) => ({ conversationId: membership.conversation.id, floor: visibleAfter(membership) })),
    fromUserId: input.fromUserId,
    kind: input.kind,
    hasAttachment: input.hasAttachment,
    beforeMs: input.before?.getTime(),
    afterMs: input.after?.getTime(),
    beforeId: cursorId,
  };

  const found: TMessageRow[] = [];
  let more = false;
  for (let round = 0; round < MAX_ROUNDS && found.length <= input.limit; round++) {
    const want = input.limit + 1 - found.length;
    const [rows] = await deps.db.$client.query(engine.chatQuery(query, filters, want));
    const candidates = (rows as Array<{ id: number; version: number }>).map((row) => ({ id: Number(row.id), version: Number(row.version) }));
    found.push(...(await current(deps, candidates)));
    more = candidates.length === want;
    if (!more) break;
    filters.beforeId = candidates.at(-1)!.id;
  }
  // More may follow: a result past the page, or (rounds exhausted) candidates not yet read.
  const pageRows = found.slice(0, input.limit);
  const nextId = found.length > input.limit ? pageRows.at(-1)!.id : more ? filters.beforeId! : null;
  return page(deps, userId, query, memberships, pageRows, nextId);
}

/** The candidates whose message is still there, not deleted, with the text that was indexed. */
async function current(deps: AppDeps, candidates: Array<{ id: number; version: number }>): Promise<TMessageRow[]> {
  if (candidates.length === 0) return [];
  const rows = await deps.db
    .select()
    .from(messages)
    .where(
      inArray(
        messages.id,
        candidates.map((candidate) => candidate.id),
      ),
    );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return candidates.flatMap(({ id, version }) => {
    const row = byId.get(id);
    return row && !row.deletedAt && textVersion(row) === version ? [row] : [];
  });
}

async function page(
  deps: AppDeps,
  userId: number,
  query: ParsedQuery,
  memberships: Awaited<ReturnType<typeof readMemberships>>,
  rows: TMessageRow[],
  nextId: number | null,
): Promise<TChatSearchPage> {
  const conversations = new Map(memberships.map((membership) => [membership.conversation.id, membership.conversation]));
  const publicMessages = await withReactions(deps.db, rows);
  const items = rows.map((row, index) => {
    const conversation = conversations.get(row.conversationId)!;
    return {
      message: publicMessages[index]!,
      conversation: {
        id: conversation.id,
        kind: conversation.kind,
        name: conversation.name,
        avatarUrl: conversation.avatarUrl,
        peerId: peerOf(conversation, userId),
      },
      snippet: buildSnippet(row.text ?? '', query),
    };
  });
  return { items, nextCursor: nextId === null ? null : encodeCursor([nextId]) };
}
