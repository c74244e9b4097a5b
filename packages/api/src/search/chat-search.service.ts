import { readMemberships, type TMessageRow } from '@chorus/db';
import type { AppDeps } from '../deps';
import { consumeOrThrow } from '../auth/rate-limits';
import { AppError } from '../errors';
import { groupByEmoji, toPublicMessage } from '../chat/message.mapper';
import { peerOf, requireMember, visibleAfter } from '../chat/membership';
import { readCandidates, type Candidate } from './candidates';
import { decodeCursor, encodeCursor, positiveInt } from './cursor';
import { textVersion, type ChatFilters, type SearchEngine } from './engine';
import { onReadDb } from '../replica/on-replica';
import { parseQuery, type ParsedQuery } from './query';
import type { TChatSearchInput, TChatSearchPage } from './search.schema';
import { buildSnippet } from './snippet';

/** Index rounds of one page at most: each after a round that left the page short. */
const MAX_ROUNDS = 4;

/**
 * chat.search: the caller's messages matching the query, newest first. Visible exactly as
 * chat.history shows them: in the live conversations the caller is a member of (requireMember /
 * readMemberships), above the member's floor where a room hides earlier history (visibleAfter),
 * not deleted, found by the current text only. Blocks do not hide a direct chat's past messages
 * in history, so they do not here either.
 *
 * The index query reads the index table alone (so Mroonga can sort and limit inside Groonga) and
 * is joined to the candidates' current rows in the same statement (candidates.ts); those deleted
 * or edited since they were indexed (the indexer catches up within a poll) and those at or below
 * a floor are dropped, and when that leaves the page short, the index is asked again below the
 * last candidate. The first round lets the engine search floored conversations like the others
 * (`looseFloors`: one Mroonga query part instead of one more per floor); the rounds after a
 * round that met a match below a floor ask the engine for the floors. That costs at most one
 * extra round: every candidate after such a match lies below the floor too.
 */
export async function searchMessages(deps: AppDeps, userId: number, input: TChatSearchInput): Promise<TChatSearchPage> {
  const engine = deps.search.engine;
  if (!engine) throw new AppError('UNAVAILABLE', 'Message search is not available on this server');
  const query = parseQuery(input.query);
  const cursorId = decodeCursor(input.cursor, ([id]) => positiveInt(id));
  // Taken while the memberships are read; the index is not asked before it is granted. Handled
  // here too, so a refusal is never unhandled when the read fails first; searchOn awaits it.
  const allowance = consumeOrThrow(deps.limiters.searchesPerUser, String(userId));
  allowance.catch(() => {});
  return onReadDb(deps, userId, (on) => searchOn(on, userId, input, cursorId, engine, query, allowance));
}

async function searchOn(
  deps: AppDeps,
  userId: number,
  input: TChatSearchInput,
  cursorId: number | undefined,
  engine: SearchEngine,
  query: ParsedQuery,
  allowance: Promise<void>,
): Promise<TChatSearchPage> {
  const [memberships] = await Promise.all([
    input.conversationId ? requireMember(deps.db, input.conversationId, userId).then((one) => [one]) : readMemberships(deps.db.$client, userId),
    allowance,
  ]);
  if (memberships.length === 0) return { items: [], nextCursor: null };
  const floors = new Map(memberships.map((membership) => [membership.conversation.id, visibleAfter(membership)]));
  const filters: ChatFilters = {
    scope: [...floors].map(([conversationId, floor]) => ({ conversationId, floor })),
    // The first round searches every conversation in one query part; should it meet a match
    // below a floor, the rounds after it (below that match) ask the engine for the floors.
    looseFloors: true,
    fromUserId: input.fromUserId,
    kind: input.kind,
    hasAttachment: input.hasAttachment,
    beforeMs: input.before?.getTime(),
    afterMs: input.after?.getTime(),
    beforeId: cursorId,
  };

  const found: Array<Candidate & { row: TMessageRow }> = [];
  let more = false;
  for (let round = 0; round < MAX_ROUNDS && found.length <= input.limit; round++) {
    const want = input.limit + 1 - found.length;
    const candidates = await readCandidates(deps.db.$client, engine.chatQuery(query, filters, want));
    for (const candidate of candidates) {
      const floor = candidate.row ? floors.get(candidate.row.conversationId) : undefined;
      if (floor !== undefined && candidate.id <= floor) filters.looseFloors = false;
      else if (floor !== undefined && isCurrent(candidate)) found.push(candidate);
    }
    more = candidates.length === want;
    if (!more) break;
    filters.beforeId = candidates.at(-1)!.id;
  }
  // More may follow: a result past the page, or (rounds exhausted) candidates not yet read.
  const pageRows = found.slice(0, input.limit);
  const nextId = found.length > input.limit ? pageRows.at(-1)!.id : more ? filters.beforeId! : null;
  return page(userId, query, memberships, pageRows, nextId);
}

/** Still there, not deleted, with the text that was indexed (the indexer catches up within a poll). */
const isCurrent = (candidate: Candidate): candidate is Candidate & { row: TMessageRow } =>
  candidate.row !== null && !candidate.row.deletedAt && textVersion(candidate.row) === candidate.version;

function page(
  userId: number,
  query: ParsedQuery,
  memberships: Awaited<ReturnType<typeof readMemberships>>,
  found: Array<Candidate & { row: TMessageRow }>,
  nextId: number | null,
): TChatSearchPage {
  const conversations = new Map(memberships.map((membership) => [membership.conversation.id, membership.conversation]));
  const items = found.map(({ row, reactions }) => {
    const conversation = conversations.get(row.conversationId)!;
    return {
      message: toPublicMessage(row, groupByEmoji(reactions)),
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
