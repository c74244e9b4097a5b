// The search benchmark's data, written straight into the real chat tables with multi-row INSERTs
// (the API would take hours for a million messages): users, conversations of every kind with
// their members, and messages with the corpus's text (search/corpus.ts), spread over the
// conversations unevenly (a few busy ones, many quiet ones) and over two years, ids in time
// order. The searcher is a member of `searcherConversations` of them: groups, direct
// conversations and two rooms, one of which hides its history from newcomers (the searcher joined
// it halfway). A few messages are deleted and a few edited, as in a real history.
import { messageText, prng } from './corpus';
import { log, type BenchStack } from '../lib/harness';
import { createMembers, type Member } from '../lib/members';

export interface SeedSpec {
  messages: number;
  /** Conversations in all; the searcher is a member of `searcherConversations` of them. */
  conversations: number;
  searcherConversations: number;
  /** Users besides the searcher, who send the messages. */
  users: number;
  seed: number;
}

export interface SeededConversation {
  id: number;
  kind: 'direct' | 'group' | 'room';
  /** The searcher is a member. */
  searcher: boolean;
  /** Messages with ids above this are the searcher's to read (rooms hiding history: since joining). */
  visibleAfter: number;
  minId: number;
  maxId: number;
  count: number;
  /** Ids of its messages not deleted (kept for the searcher's conversations only). */
  live: number[];
}

export interface Seeded {
  searcher: Member;
  conversations: SeededConversation[];
  /** Messages the searcher may read (member, after the floor, not deleted). */
  visibleToSearcher: number;
  firstId: number;
  lastId: number;
  seedMs: number;
}

const INSERT_ROWS = 2000;
/** Two writers: MariaDB parses and inserts one statement per connection at a time. */
const WRITERS = 2;
const START = Date.UTC(2024, 0, 1);
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;

type Pool = BenchStack['deps']['db']['$client'];

const nextId = async (pool: Pool, table: string): Promise<number> => {
  const [[row]] = (await pool.query(`SELECT COALESCE(MAX(id), 0) + 1 AS id FROM ${table}`)) as unknown as [Array<{ id: number }>];
  return Number(row?.id ?? 1);
};

export async function seedCorpus(stack: BenchStack, spec: SeedSpec): Promise<Seeded> {
  const pool = stack.deps.db.$client;
  const started = performance.now();
  const random = prng(spec.seed);
  const [searcher, ...others] = await createMembers(stack, spec.users + 1);
  if (!searcher || others.length < 2) throw new Error('search: too few users');
  const otherId = () => others[Math.floor(random() * others.length)]!.id;

  // Conversations: the searcher's first (10 direct, 2 rooms, the rest groups), then the others' groups.
  const firstConversation = await nextId(pool, 'conversations');
  const conversations: SeededConversation[] = [];
  const members = new Map<number, number[]>();
  const directPartners = others.slice(0, Math.min(10, spec.searcherConversations));
  for (let i = 0; i < spec.conversations; i++) {
    const id = firstConversation + i;
    const mine = i < spec.searcherConversations;
    const kind = mine && i < directPartners.length ? 'direct' : mine && i < directPartners.length + 2 ? 'room' : 'group';
    const set = new Set<number>(mine ? [searcher.id] : [otherId()]);
    if (kind === 'direct') set.add(directPartners[i]!.id);
    else while (set.size < 3 + Math.floor(random() * 28)) set.add(otherId());
    members.set(id, [...set]);
    conversations.push({ id, kind, searcher: mine, visibleAfter: 0, minId: 0, maxId: 0, count: 0, live: [] });
  }
  await pool.query('INSERT INTO conversations (id, kind, direct_key, name) VALUES ?', [
    conversations.map((c) => {
      const [a = 0, b = 0] = members.get(c.id)!;
      return [c.id, c.kind, c.kind === 'direct' ? `${Math.min(a, b)}:${Math.max(a, b)}` : null, c.kind === 'direct' ? null : `search bench ${c.id}`];
    }),
  ]);
  await pool.query('INSERT INTO conversation_members (conversation_id, user_id, role) VALUES ?', [
    conversations.flatMap((c) => members.get(c.id)!.map((userId, i) => [c.id, userId, c.kind === 'direct' || i > 0 ? 'member' : 'owner'])),
  ]);
  const rooms = conversations.filter((c) => c.kind === 'room');
  if (rooms.length > 0)
    await pool.query('INSERT INTO rooms (id, name, visibility, join_policy, history_visible, sync_enabled, max_members, member_count, owner_id) VALUES ?', [
      rooms.map((c, i) => [c.id, `search bench room ${c.id}`, 'private', 'invite_only', i === 0 ? 0 : 1, 0, 100, members.get(c.id)!.length, searcher.id]),
    ]);

  // Busy conversations and quiet ones: conversation k gets a share ∝ 1/(k+5), shuffled so the
  // searcher's are not all the busiest.
  const weights = conversations.map((_, k) => 1 / (k + 5));
  for (let i = weights.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [weights[i], weights[j]] = [weights[j]!, weights[i]!];
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) cumulative.push((total += weight));
  const conversationOf = (r: number): SeededConversation => {
    const target = r * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return conversations[lo]!;
  };

  const firstId = await nextId(pool, 'messages');
  const rowsOf = (from: number, to: number) => {
    const rows: unknown[][] = [];
    for (let n = from; n < to; n++) {
      const pickRandom = prng(spec.seed ^ Math.imul(n + 1, 0x85ebca6b));
      const conversation = conversationOf(pickRandom());
      const senders = members.get(conversation.id)!;
      const id = firstId + n;
      const at = new Date(START + Math.floor((n / spec.messages) * SPAN_MS));
      const fate = pickRandom();
      if (conversation.searcher && fate >= 0.01) conversation.live.push(id);
      rows.push([
        id,
        conversation.id,
        senders[Math.floor(pickRandom() * senders.length)]!,
        `sb${n}`,
        'text',
        messageText(spec.seed, n),
        at,
        fate < 0.01 ? at : null, // deleted
        fate >= 0.01 && fate < 0.03 ? at : null, // edited
      ]);
      conversation.count++;
      if (conversation.minId === 0) conversation.minId = id;
      conversation.maxId = id;
    }
    return rows;
  };
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < spec.messages) {
        const from = next;
        const to = Math.min(spec.messages, from + INSERT_ROWS);
        next = to;
        await pool.query('INSERT INTO messages (id, conversation_id, sender_id, client_id, kind, text, created_at, deleted_at, edited_at) VALUES ?', [
          rowsOf(from, to),
        ]);
        done += to - from;
        if (done % 100_000 < INSERT_ROWS) log(`search: … ${done.toLocaleString('en')} messages, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    }),
  );
  const lastId = firstId + spec.messages - 1;

  // The room hiding its history: the searcher joined halfway through it.
  const hidden = rooms[0];
  if (hidden && hidden.live.length > 0) {
    hidden.visibleAfter = hidden.live[Math.floor(hidden.live.length / 2)]!;
    await pool.query('UPDATE conversation_members SET joined_after_message_id = ? WHERE conversation_id = ? AND user_id = ?', [
      hidden.visibleAfter,
      hidden.id,
      searcher.id,
    ]);
  }
  // One statement sets every conversation's last message (an upsert of rows that all exist).
  await pool.query(
    'INSERT INTO conversations (id, kind, last_message_id, last_activity_at) VALUES ? ON DUPLICATE KEY UPDATE last_message_id = VALUES(last_message_id), last_activity_at = VALUES(last_activity_at)',
    [conversations.filter((c) => c.count > 0).map((c) => [c.id, c.kind, c.maxId, new Date(START + SPAN_MS)])],
  );
  await pool.query('ANALYZE TABLE messages, conversation_members, conversations');
  const visibleToSearcher = conversations.reduce((sum, c) => sum + c.live.filter((id) => id > c.visibleAfter).length, 0);
  return { searcher, conversations, visibleToSearcher, firstId, lastId, seedMs: performance.now() - started };
}
