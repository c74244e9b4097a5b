// Threads through the gapless suite's machinery: two real server processes, people sending
// through one instance or the other, receivers behind a TCP proxy (round robin over both)
// whose WebSockets are cut at random and resume from their last event id. Every receiver must
// hold every message (main and thread replies) of its conversations once and in the
// conversation's order, each reply followed by its root's thread.updated (one seq later, the
// count one higher), and the thread unread counts must come out the same on both instances
// and match what the stream told the receiver.
import { createSession, systemClock } from '@chorus/api';
import { closeChorusClient, type ChorusClient, type ChorusEvent } from '@chorus/client';
import { conversations, messages, users } from '@chorus/db';
import { createTestClient, startTcpProxy, type TcpProxy } from '@chorus/testing';
import { asc, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, random, sleep, startReceiver, type Conversation, type Person, type Receiver } from './gapless-receiver';
import { problems, type Expected } from './gapless-verify';
import { spawnServerProcess, useServerBackends, type ServerProcess } from './server-process';

const USERS = 4;
const SENDS_PER_SENDER = 30;
const backends = useServerBackends();
let servers: ServerProcess[] = [];
let wsProxy: TcpProxy;
let people: Person[] = [];
/** Each person's client for the other instance (`http` talks to server index % 2). */
let otherHttp: ChorusClient[] = [];
const chats: Conversation[] = [];
const roots = new Map<number, number>();
let receivers: Receiver[] = [];
const sent = new Map<string, number>();

type Created = Extract<ChorusEvent, { type: 'message.created' }>;
type ThreadUpdated = Extract<ChorusEvent, { type: 'thread.updated' }>;

async function senderLoop(person: Person): Promise<void> {
  const mine = chats.filter((chat) => chat.members.includes(person.index));
  for (let n = 0; n < SENDS_PER_SENDER; n++) {
    const chat = pick(mine);
    const chatRoots = [...roots].filter(([, conversationId]) => conversationId === chat.id).map(([rootId]) => rootId);
    const threadRootId = Math.random() < 0.6 ? pick(chatRoots) : undefined;
    // Some replies mention user 3, who then follows that thread.
    const mention = threadRootId && Math.random() < 0.2 && chat.members.includes(3) ? ' @threadsgap3' : '';
    const clientId = `threads-s${person.index}-${n}`;
    const message = await person.http.chat.send.mutate({ conversationId: chat.id, clientId, kind: 'text', text: `${clientId}${mention}`, threadRootId });
    sent.set(clientId, message.id);
    await sleep(random(0, 20));
  }
}

function startCuts() {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(random(80, 300));
      const open = wsProxy.open();
      if (open.length > 0) wsProxy.cut(pick(open), Math.random() < 0.2 ? 'blackhole' : 'reset');
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** What the database holds: every message id per conversation in id order (the log's order) and each last seq. */
async function expectedState(): Promise<Expected> {
  const chatIds = chats.map((chat) => chat.id);
  const rows = await backends.database.db
    .select({ id: messages.id, conversationId: messages.conversationId })
    .from(messages)
    .where(inArray(messages.conversationId, chatIds))
    .orderBy(asc(messages.id));
  const ids = new Map(chatIds.map((id) => [id, rows.filter((row) => row.conversationId === id).map((row) => row.id)]));
  const seqs = await backends.database.db
    .select({ id: conversations.id, lastSeq: conversations.lastSeq })
    .from(conversations)
    .where(inArray(conversations.id, chatIds));
  return { ids, lastSeq: new Map(seqs.map((row) => [row.id, row.lastSeq])) };
}

/** Thread facts as one receiver saw them: replies per root in arrival order, and each root's thread.updated counts. */
function threadsSeenBy(receiver: Receiver) {
  const replies = new Map<number, Created['message'][]>();
  const counts = new Map<number, number[]>();
  const problems: string[] = [];
  const events = receiver.received.map((entry) => entry.data);
  for (const [index, event] of events.entries()) {
    if (event.type === 'message.created' && event.message.threadRootId !== null) {
      const list = replies.get(event.message.threadRootId) ?? [];
      list.push(event.message);
      replies.set(event.message.threadRootId, list);
      // The next event of this conversation is the root's thread.updated, one seq later.
      const next = events.slice(index + 1).find((later): later is ThreadUpdated | Created => 'seq' in later && later.conversationId === event.conversationId);
      if (!next || next.type !== 'thread.updated' || next.seq !== event.seq + 1 || next.rootId !== event.message.threadRootId)
        problems.push(`${receiver.name}: reply ${event.message.id} not followed by its thread.updated`);
      else if (next.thread.replyCount !== list.length || next.thread.lastReplyAt.getTime() !== event.message.createdAt.getTime())
        problems.push(`${receiver.name}: reply ${event.message.id} is #${list.length} but thread.updated says ${next.thread.replyCount}`);
    }
    if (event.type === 'thread.updated') counts.set(event.rootId, [...(counts.get(event.rootId) ?? []), event.thread.replyCount]);
  }
  return { replies, counts, problems };
}

/**
 * The unread counts a person's chat.list should show, from their stream alone: threads they
 * started, replied in or were mentioned in, counting others' replies after their own last one.
 */
function unreadFromStream(receiver: Receiver, seen: ReturnType<typeof threadsSeenBy>) {
  const me = receiver.person.id;
  const created = receiver.received.map((entry) => entry.data).filter((event): event is Created => event.type === 'message.created');
  const byConversation = new Map<number, { threads: number; replies: number }>();
  for (const [rootId, replies] of seen.replies) {
    const root = created.find((event) => event.message.id === rootId)?.message;
    const follows = root?.senderId === me || replies.some((reply) => reply.senderId === me || reply.mentions.includes(me));
    if (!follows || !root) continue;
    const lastOwn = Math.max(0, ...replies.filter((reply) => reply.senderId === me).map((reply) => reply.id));
    const unread = replies.filter((reply) => reply.senderId !== me && reply.id > lastOwn).length;
    if (unread === 0) continue;
    const sum = byConversation.get(root.conversationId) ?? { threads: 0, replies: 0 };
    byConversation.set(root.conversationId, { threads: sum.threads + 1, replies: sum.replies + unread });
  }
  return byConversation;
}

beforeAll(async () => {
  const env = { DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, SHUTDOWN_TIMEOUT_MS: '2000' };
  servers = await Promise.all([spawnServerProcess(env), spawnServerProcess(env)]);
  wsProxy = await startTcpProxy(() => servers.map((server) => server.port));
  const now = new Date();
  await backends.database.db.insert(users).values(
    Array.from({ length: USERS }, (_, index) => ({
      email: `threadsgap${index}@example.com`,
      username: `threadsgap${index}`,
      displayName: `Threads ${index}`,
      emailVerifiedAt: now,
    })),
  );
  const rows = await backends.database.db.select({ id: users.id, username: users.username }).from(users);
  const tokens: string[] = [];
  people = await Promise.all(
    Array.from({ length: USERS }, async (_, index) => {
      const id = rows.find((row) => row.username === `threadsgap${index}`)!.id;
      const { token } = await createSession({ db: backends.database.db, clock: systemClock }, id);
      tokens[index] = token;
      return { index, id, token, http: createTestClient(servers[index % 2]!.url, { token }) };
    }),
  );
  otherHttp = people.map((person) => createTestClient(servers[(person.index + 1) % 2]!.url, { token: tokens[person.index]! }));
  receivers = [...people.map((person) => startReceiver(wsProxy.url, person, `user${person.index}`)), startReceiver(wsProxy.url, people[0]!, 'user0-device2')];
  const deadline = Date.now() + 20_000;
  while (!receivers.every((receiver) => receiver.received.some((entry) => entry.data.type === 'presence.snapshot'))) {
    if (Date.now() > deadline) throw new Error('receivers did not get their presence snapshot');
    await sleep(25);
  }
  const group = async (name: string, members: number[]) => {
    const [owner, ...rest] = members;
    const { conversationId } = await people[owner!]!.http.chat.createGroup.mutate({ name, memberIds: rest.map((index) => people[index]!.id) });
    chats.push({ id: conversationId, name, members });
    return conversationId;
  };
  const everyone = await group('everyone', [0, 1, 2, 3]);
  const pair = await group('pair', [1, 2]);
  for (const [author, conversationId] of [
    [0, everyone],
    [1, everyone],
    [2, pair],
  ] as const) {
    const root = await people[author]!.http.chat.send.mutate({ conversationId, clientId: `root-${author}`, kind: 'text', text: 'root' });
    roots.set(root.id, conversationId);
    sent.set(`root-${author}`, root.id);
  }
}, 120_000);

afterAll(async () => {
  for (const receiver of receivers) receiver.stop();
  await Promise.allSettled(
    [...receivers.map((receiver) => receiver.client), ...people.map((person) => person.http), ...otherHttp].map((client) => closeChorusClient(client)),
  );
  await wsProxy?.close();
  await Promise.allSettled(servers.map((server) => server.stop()));
}, 60_000);

describe('threads across two server processes and reconnects', () => {
  it('delivers replies and thread.updated gaplessly in the conversation order, and both instances count the same unread', async () => {
    const opensBefore = receivers.reduce((sum, receiver) => sum + receiver.opens, 0);
    const stopCuts = startCuts();
    try {
      await Promise.all(people.map((person) => senderLoop(person)));
    } finally {
      await stopCuts();
    }
    const reconnects = receivers.reduce((sum, receiver) => sum + receiver.opens, 0) - opensBefore;
    expect(reconnects).toBeGreaterThan(3);

    const expected = await expectedState();
    const run = { receivers, chats, sent };
    const deadline = Date.now() + 25_000;
    while (problems(run, expected).length > 0 && Date.now() < deadline) await sleep(200);
    await sleep(500);
    expect(problems(run, expected, true)).toEqual([]);

    for (const receiver of receivers) {
      const seen = threadsSeenBy(receiver);
      expect(seen.problems).toEqual([]);
      for (const [rootId, conversationId] of roots) {
        if (!chats.find((chat) => chat.id === conversationId)!.members.includes(receiver.person.index)) continue;
        // The thread page (either instance) lists the replies in the order the stream delivered them.
        const page = await receiver.person.http.chat.thread.query({ rootId, limit: 200 });
        const streamed = (seen.replies.get(rootId) ?? []).map((reply) => reply.id);
        expect(page.items.map((reply) => reply.id)).toEqual(streamed);
        expect(seen.counts.get(rootId) ?? []).toEqual(streamed.map((_, index) => index + 1));
        expect(page.root.thread?.replyCount ?? 0).toBe(streamed.length);
      }
      // Thread unread counts: what the stream implies, and the same on both instances.
      const wanted = unreadFromStream(receiver, seen);
      const lists = await Promise.all([receiver.person.http, otherHttp[receiver.person.index]!].map((client) => client.chat.list.query()));
      for (const list of lists) {
        for (const chat of chats.filter((candidate) => candidate.members.includes(receiver.person.index))) {
          const item = list.items.find((candidate) => candidate.id === chat.id)!;
          expect(item.threadUnread, `${receiver.name} in ${chat.name}`).toEqual(wanted.get(chat.id) ?? { threads: 0, replies: 0 });
        }
      }
    }
    console.info(
      `[threads-gapless] ${sent.size} messages, ${[...expected.ids.values()].flat().length} stored, ${reconnects} reconnects, ` +
        `${wsProxy.stats.cuts} cuts, replies per root ${JSON.stringify([...roots.keys()].map((rootId) => threadsSeenBy(receivers[1]!).replies.get(rootId)?.length ?? 0))}`,
    );
  }, 120_000);

  it('a thread read on one instance reaches the other device through the stream, and both instances count it', async () => {
    const me = people[0]!;
    // Ann's own root in the group.
    const [rootId, conversationId] = [...roots][0]!;
    // Someone else replies, so there is something unread.
    const reply = await people[1]!.http.chat.send.mutate({
      conversationId,
      clientId: 'threads-late',
      kind: 'text',
      text: 'late @threadsgap0',
      threadRootId: rootId,
    });
    const device2 = receivers.find((receiver) => receiver.name === 'user0-device2')!;
    const threadUnread = async (client: ChorusClient) =>
      (await client.chat.list.query()).items.find((candidate) => candidate.id === conversationId)!.threadUnread;
    // Ann's thread (she wrote the root) now has unread replies, the same on both instances.
    const before = await threadUnread(me.http);
    expect(before.threads).toBeGreaterThanOrEqual(1);
    expect(await threadUnread(otherHttp[0]!)).toEqual(before);
    // Her second device loses its connection while she reads the thread through the other instance.
    const connection = pick(wsProxy.open());
    wsProxy.cut(connection, 'reset');
    expect(await otherHttp[0]!.chat.markThreadRead.mutate({ rootId, messageId: reply.id })).toEqual({ lastReadReplyId: reply.id });
    const deadline = Date.now() + 15_000;
    const readEvent = () =>
      device2.received.find((entry) => entry.data.type === 'thread.read' && entry.data.rootId === rootId && entry.data.lastReadReplyId === reply.id);
    while (!readEvent() && Date.now() < deadline) await sleep(100);
    expect(readEvent()).toBeDefined();
    for (const client of [me.http, otherHttp[0]!]) expect((await threadUnread(client)).threads).toBe(before.threads - 1);
  }, 60_000);
});
