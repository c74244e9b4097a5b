// Gapless delivery under failures: two real server processes behind a TCP proxy, one Redis
// with an append-only file, concurrent senders, and receivers whose connections are cut at
// random moments (the client resumes with its last event id). Phases: steady, Redis restarted
// mid-run, one server SIGKILLed mid-run, the survivor shut down gracefully for a new one.
// After every phase each receiver must hold every message of its conversations exactly once,
// in the conversation's order, and no receiver may have been told to resync.
import { createSession, systemClock } from '@chorus/api';
import { closeChorusClient } from '@chorus/client';
import { conversations, users } from '@chorus/db';
import {
  createTestClient,
  createTestDatabase,
  startRestartableRedis,
  startTcpProxy,
  type RestartableRedis,
  type TcpProxy,
  type TestDatabase,
} from '@chorus/testing';
import { spawnServerProcess, type ServerProcess } from './server-process';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, random, sleep, startReceiver, type Conversation, type Person, type Receiver } from './gapless-receiver';
import { problems, type Expected } from './gapless-verify';

const USERS = 6;
/** Users 0 and 1 also listen on a second device. */
const SECOND_DEVICES = [0, 1];
const SENDS_PER_SENDER = 45;
const SETTLE_MS = 25_000;

let database: TestDatabase;
let redis: RestartableRedis;
let servers: ServerProcess[] = [];
let wsProxy: TcpProxy;
let httpProxy: TcpProxy;
let people: Person[] = [];
const chats: Conversation[] = [];
let receivers: Receiver[] = [];
const sent = new Map<string, number>();
const sendStats = { retries: 0, errors: new Map<string, number>() };

/** Sends with one clientId until a server accepts it, as a client does after a failed call. */
async function sendUntilAccepted(person: Person, conversationId: number, clientId: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let message;
    try {
      message = await person.http.chat.send.mutate({ conversationId, clientId, kind: 'text', text: clientId });
    } catch (error) {
      const key = String(error).slice(0, 80);
      sendStats.errors.set(key, (sendStats.errors.get(key) ?? 0) + 1);
      if (Date.now() > deadline) throw error;
      sendStats.retries++;
      await sleep(random(50, 250));
      continue;
    }
    expect(message).toMatchObject({ clientId, conversationId, senderId: person.id });
    return message.id;
  }
}

async function senderLoop(person: Person, phase: string): Promise<void> {
  const mine = chats.filter((chat) => chat.members.includes(person.index));
  for (let n = 0; n < SENDS_PER_SENDER; n++) {
    const chat = pick(mine);
    const clientId = `${phase}-s${person.index}-${n}`;
    sent.set(clientId, await sendUntilAccepted(person, chat.id, clientId));
    await sleep(random(0, 25));
  }
}

/** Cuts receivers' WebSockets (at once, mid-frame, or leaving the server unaware) and senders' HTTP connections. */
function startChaos() {
  let running = true;
  wsProxy.onConnection = (connection) => {
    // Some connections die while the resumed subscription is still replaying: between two
    // of its first messages, or anywhere in its first few kilobytes.
    const roll = Math.random();
    if (roll < 0.45) wsProxy.cutAfterFrames(connection, random(1, 6));
    else if (roll < 0.6) wsProxy.cutAfterBytes(connection, random(100, 6000));
  };
  const wsLoop = (async () => {
    while (running) {
      await sleep(random(60, 260));
      const open = wsProxy.open();
      if (open.length === 0) continue;
      const victim = pick(open);
      const roll = Math.random();
      if (roll < 0.15) wsProxy.cut(victim, 'blackhole');
      else if (roll < 0.3) wsProxy.cutAfterBytes(victim, random(1, 3000));
      else if (roll < 0.45) wsProxy.cutAfterFrames(victim, random(1, 4));
      else wsProxy.cut(victim, 'reset');
    }
  })();
  const httpLoop = (async () => {
    while (running) {
      await sleep(random(150, 500));
      const open = httpProxy.open();
      if (open.length > 0) httpProxy.cut(pick(open));
    }
  })();
  return {
    async stop() {
      running = false;
      wsProxy.onConnection = () => {};
      await Promise.all([wsLoop, httpLoop]);
      wsProxy.cancelPendingCuts();
    },
  };
}

/** A conversation's message ids, oldest first, read through the API a page at a time. */
async function historyIds(conversation: Conversation): Promise<number[]> {
  const reader = people[conversation.members[0]!]!;
  const ids: number[] = [];
  let beforeId: number | undefined;
  for (;;) {
    let page: Array<{ id: number }> | undefined;
    for (let attempt = 0; !page; attempt++) {
      try {
        page = await reader.http.chat.history.query({ conversationId: conversation.id, beforeId, limit: 200 });
      } catch (error) {
        if (attempt > 20) throw error;
        await sleep(200);
      }
    }
    ids.push(...page.map((message) => message.id));
    if (page.length < 200) break;
    beforeId = page.at(-1)!.id;
  }
  return ids.reverse();
}

async function expectedState(): Promise<Expected> {
  const ids = new Map<number, number[]>();
  for (const chat of chats) ids.set(chat.id, await historyIds(chat));
  const rows = await database.db
    .select({ id: conversations.id, lastSeq: conversations.lastSeq })
    .from(conversations)
    .where(
      inArray(
        conversations.id,
        chats.map((chat) => chat.id),
      ),
    );
  return { ids, lastSeq: new Map(rows.map((row) => [row.id, row.lastSeq])) };
}

/** Waits until every receiver matches the conversations (or the deadline), then asserts exactly. */
async function expectEveryReceiverComplete(phase: string): Promise<void> {
  const expected = await expectedState();
  // Each send happened once, whatever the retries.
  const inHistory = new Map<number, number>();
  for (const ids of expected.ids.values()) for (const id of ids) inHistory.set(id, (inHistory.get(id) ?? 0) + 1);
  expect([...sent.values()].filter((id) => inHistory.get(id) !== 1)).toEqual([]);
  expect(inHistory.size).toBe(sent.size);

  const deadline = Date.now() + SETTLE_MS;
  const run = { receivers, chats, sent };
  while (problems(run, expected).length > 0 && Date.now() < deadline) await sleep(200);
  // Anything arriving late would be a duplicate: give it a moment to show up.
  await sleep(500);
  const found = problems(run, expected, true);
  if (found.length > 0) console.error(`[gapless] ${phase}:\n${found.join('\n')}`);
  expect(found, `after ${phase}`).toEqual([]);
}

async function runPhase(phase: string, disturbance: () => Promise<void>) {
  const linesBefore = servers.map((server) => server.lines.length);
  const cutsBefore = wsProxy.stats.cuts;
  const opensBefore = receivers.reduce((sum, receiver) => sum + receiver.opens, 0);
  const started = Date.now();
  const chaos = startChaos();
  try {
    await Promise.all([...people.map((person) => senderLoop(person, phase)), disturbance()]);
  } finally {
    await chaos.stop();
  }
  const cuts = wsProxy.stats.cuts - cutsBefore;
  const reconnects = receivers.reduce((sum, receiver) => sum + receiver.opens, 0) - opensBefore;
  console.info(
    `[gapless] ${phase}: ${people.length * SENDS_PER_SENDER} sends in ${Date.now() - started} ms, ${cuts} WebSocket cuts, ${reconnects} reconnects, ` +
      `${sendStats.retries} send retries so far, subscription errors ${receivers.reduce((sum, receiver) => sum + receiver.errors.length, 0)}`,
  );
  const warnings = new Map<string, number>();
  for (const [index, server] of servers.entries()) {
    for (const line of server.lines.slice(linesBefore[index])) {
      if (Number(line.level) >= 40) warnings.set(String(line.msg), (warnings.get(String(line.msg)) ?? 0) + 1);
    }
  }
  if (warnings.size > 0) console.info(`[gapless] server warnings: ${JSON.stringify([...warnings])}`);
  if (sendStats.errors.size > 0)
    console.info(`[gapless] send failures so far: ${JSON.stringify([...sendStats.errors].sort((a, b) => b[1] - a[1]).slice(0, 4))}`);
  expect(cuts).toBeGreaterThan(5);
  expect(reconnects).toBeGreaterThan(5);
  await expectEveryReceiverComplete(phase);
}

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startRestartableRedis()]);
  const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '2000' };
  servers = await Promise.all([spawnServerProcess(env), spawnServerProcess(env)]);
  // Dead servers stay listed: the proxy finds them refusing and moves on.
  const ports = () => servers.map((server) => server.port);
  [wsProxy, httpProxy] = await Promise.all([startTcpProxy(ports), startTcpProxy(ports)]);

  const now = new Date();
  await database.db.insert(users).values(
    Array.from({ length: USERS }, (_, index) => ({
      email: `gapless${index}@example.com`,
      username: `gapless${index}`,
      displayName: `Gapless ${index}`,
      emailVerifiedAt: now,
    })),
  );
  const rows = await database.db.select({ id: users.id, username: users.username }).from(users);
  people = await Promise.all(
    Array.from({ length: USERS }, async (_, index) => {
      const id = rows.find((row) => row.username === `gapless${index}`)!.id;
      const { token } = await createSession({ db: database.db, clock: systemClock }, id);
      return { index, id, token, http: createTestClient(httpProxy.url, { token }) };
    }),
  );

  // Everyone listens before the conversations exist, so each receiver must see all of them.
  receivers = [
    ...people.map((person) => startReceiver(wsProxy.url, person, `user${person.index}`)),
    ...SECOND_DEVICES.map((index) => startReceiver(wsProxy.url, people[index]!, `user${index}-device2`)),
  ];
  const deadline = Date.now() + 20_000;
  while (!receivers.every((receiver) => receiver.received.some((entry) => entry.data.type === 'presence.snapshot'))) {
    if (Date.now() > deadline) throw new Error('receivers did not get their presence snapshot');
    await sleep(25);
  }

  const group = async (name: string, members: number[]) => {
    const [owner, ...rest] = members;
    const { conversationId } = await people[owner!]!.http.chat.createGroup.mutate({ name, memberIds: rest.map((index) => people[index]!.id) });
    chats.push({ id: conversationId, name, members });
  };
  const direct = async (a: number, b: number) => {
    const { conversationId } = await people[a]!.http.chat.openDirect.mutate({ userId: people[b]!.id });
    chats.push({ id: conversationId, name: `direct ${a}-${b}`, members: [a, b] });
  };
  await group(
    'everyone',
    Array.from({ length: USERS }, (_, index) => index),
  );
  await group('half', [0, 1, 2]);
  await direct(0, 1);
  await direct(2, 3);
  await direct(4, 5);
  await direct(5, 0);
}, 120_000);

afterAll(async () => {
  for (const receiver of receivers) receiver.stop();
  await Promise.allSettled(receivers.map((receiver) => closeChorusClient(receiver.client)));
  await Promise.allSettled([wsProxy?.close(), httpProxy?.close()]);
  await Promise.allSettled(servers.map((server) => server.stop()));
  await Promise.allSettled([redis?.stop(), database?.drop()]);
}, 60_000);

describe('gapless delivery across server processes', () => {
  it('every receiver gets every message once and in order while its connection is cut at random', async () => {
    await runPhase('steady', async () => {});
  }, 90_000);

  it('the same holds when Redis restarts mid-run (data kept)', async () => {
    const noticed = () => servers.filter((server) => server.lines.some((line) => line.msg === 'redis connection error')).length;
    expect(noticed()).toBe(0);
    await runPhase('redis-restart', async () => {
      await sleep(700);
      await redis.restart(1500);
    });
    // Both servers lost Redis for a while (and still delivered everything, with no resync: the data was kept).
    expect(noticed()).toBe(2);
  }, 90_000);

  it('the same holds when one server process is killed with SIGKILL (clients move to the other)', async () => {
    const victim = servers[1]!;
    await runPhase('sigkill', async () => {
      await sleep(700);
      victim.child.kill('SIGKILL');
      await victim.exited;
    });
    expect(victim.child.signalCode).toBe('SIGKILL');
    expect(wsProxy.stats.refusedBackends).toBeGreaterThan(0);
    // Everyone now talks to the survivor.
    expect(wsProxy.open().every((connection) => connection.backendPort === servers[0]!.port)).toBe(true);
  }, 90_000);

  it('the same holds when the last server shuts down gracefully and clients hand over to a new one', async () => {
    // SIGTERM tells WebSocket clients to reconnect: each opens a new socket and resubscribes
    // while the old one still delivers, then drops what both sent.
    const old = servers[0]!;
    const fresh = await spawnServerProcess({ DATABASE_URL: database.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '2000' });
    servers.push(fresh);
    await runPhase('sigterm', async () => {
      await sleep(700);
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
    });
    expect(wsProxy.open().every((connection) => connection.backendPort === fresh.port)).toBe(true);
  }, 90_000);
});
