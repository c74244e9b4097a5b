// The gapless delivery scenario, independent of the backends it runs on: server processes
// behind a TCP proxy, concurrent senders, and receivers whose connections are cut at random
// moments (the client resumes with its last event id). A test file chooses the backends (one
// Redis, a Redis Cluster, a Galera database…) through `envFor`, starts the scenario, and runs
// phases, each with a disturbance of its own. After every phase each receiver must hold every
// message of its conversations exactly once, in the conversation's order, and no receiver may
// have been told to resync.
import { createSession, systemClock } from '@chorus/api';
import { closeChorusClient } from '@chorus/client';
import { conversations, users, type Db } from '@chorus/db';
import { createTestClient, startTcpProxy, type TcpProxy } from '@chorus/testing';
import { inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { startChaos } from './gapless-chaos';
import { pick, random, sleep, startReceiver, type Conversation, type Person, type Receiver } from './gapless-receiver';
import { problems, tally, type Expected } from './gapless-verify';
import { spawnServerProcess, type ServerProcess } from './server-process';

const USERS = 6;
/** Users 0 and 1 also listen on a second device. */
const SECOND_DEVICES = [0, 1];
const SENDS_PER_SENDER = 45;
const SETTLE_MS = 25_000;

export interface GaplessOptions {
  /** The database the scenario's users and conversations are written to and read back from. */
  db: Db;
  /** The environment of the server process with this index (its database and Redis). */
  envFor: (index: number) => Record<string, string>;
  /** How many server processes start (default 2). */
  servers?: number;
}

/** What a phase did, printed and returned so a test can assert on its counts. */
export interface PhaseCounts {
  phase: string;
  sends: number;
  cuts: number;
  reconnects: number;
  retries: number;
  /** Summed over receivers: messages received, lost, duplicated, out of order, and resyncs. */
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  resyncs: number;
}

export class GaplessScenario {
  servers: ServerProcess[] = [];
  wsProxy!: TcpProxy;
  httpProxy!: TcpProxy;
  people: Person[] = [];
  readonly chats: Conversation[] = [];
  receivers: Receiver[] = [];
  readonly sent = new Map<string, number>();
  readonly sendStats = { retries: 0, errors: new Map<string, number>() };

  private constructor(private readonly options: GaplessOptions) {}

  /** Servers, proxies, users, receivers (listening before the conversations exist) and conversations. */
  static async start(options: GaplessOptions): Promise<GaplessScenario> {
    const scenario = new GaplessScenario(options);
    await scenario.setUp();
    return scenario;
  }

  /** A new server process (index = how many were started before it). */
  async spawnServer(): Promise<ServerProcess> {
    const server = await this.startProcess(this.servers.length);
    this.servers.push(server);
    return server;
  }

  private startProcess(index: number): Promise<ServerProcess> {
    return spawnServerProcess({ SHUTDOWN_TIMEOUT_MS: '2000', ...this.options.envFor(index) });
  }

  async close(): Promise<void> {
    for (const receiver of this.receivers) receiver.stop();
    await Promise.allSettled(this.receivers.map((receiver) => closeChorusClient(receiver.client)));
    await Promise.allSettled([this.wsProxy?.close(), this.httpProxy?.close()]);
    await Promise.allSettled(this.servers.map((server) => server.stop()));
  }

  /** Senders and chaos while `disturbance` runs; then every receiver must be complete. */
  async runPhase(phase: string, disturbance: () => Promise<void>): Promise<PhaseCounts> {
    const linesBefore = this.servers.map((server) => server.lines.length);
    const cutsBefore = this.wsProxy.stats.cuts;
    const opensBefore = this.opens();
    const started = Date.now();
    const chaos = startChaos(this.wsProxy, this.httpProxy);
    try {
      await Promise.all([...this.people.map((person) => this.senderLoop(person, phase)), disturbance()]);
    } finally {
      await chaos.stop();
    }
    const cuts = this.wsProxy.stats.cuts - cutsBefore;
    const reconnects = this.opens() - opensBefore;
    console.info(
      `[gapless] ${phase}: ${this.people.length * SENDS_PER_SENDER} sends in ${Date.now() - started} ms, ${cuts} WebSocket cuts, ${reconnects} reconnects, ` +
        `${this.sendStats.retries} send retries so far, subscription errors ${this.receivers.reduce((sum, receiver) => sum + receiver.errors.length, 0)}`,
    );
    this.printWarnings(linesBefore);
    expect(cuts).toBeGreaterThan(5);
    expect(reconnects).toBeGreaterThan(5);
    const delivery = await this.expectEveryReceiverComplete(phase);
    return { phase, sends: this.people.length * SENDS_PER_SENDER, cuts, reconnects, retries: this.sendStats.retries, ...delivery };
  }

  private opens(): number {
    return this.receivers.reduce((sum, receiver) => sum + receiver.opens, 0);
  }

  private printWarnings(linesBefore: number[]): void {
    const warnings = new Map<string, number>();
    for (const [index, server] of this.servers.entries()) {
      for (const line of server.lines.slice(linesBefore[index] ?? 0)) {
        if (Number(line.level) >= 40) warnings.set(String(line.msg), (warnings.get(String(line.msg)) ?? 0) + 1);
      }
    }
    if (warnings.size > 0) console.info(`[gapless] server warnings: ${JSON.stringify([...warnings])}`);
    if (this.sendStats.errors.size > 0)
      console.info(`[gapless] send failures so far: ${JSON.stringify([...this.sendStats.errors].sort((a, b) => b[1] - a[1]).slice(0, 4))}`);
  }

  private async setUp(): Promise<void> {
    const count = this.options.servers ?? 2;
    // Side by side: a start is mostly the process loading its modules.
    const started = await Promise.allSettled(Array.from({ length: count }, (_, index) => this.startProcess(index)));
    this.servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await Promise.allSettled(this.servers.map((server) => server.stop()));
      throw failed.reason;
    }
    // Dead servers stay listed: the proxy finds them refusing and moves on.
    const ports = () => this.servers.map((server) => server.port);
    [this.wsProxy, this.httpProxy] = await Promise.all([startTcpProxy(ports), startTcpProxy(ports)]);
    await this.createPeople();
    // Everyone listens before the conversations exist, so each receiver must see all of them.
    this.receivers = [
      ...this.people.map((person) => startReceiver(this.wsProxy.url, person, `user${person.index}`)),
      ...SECOND_DEVICES.map((index) => startReceiver(this.wsProxy.url, this.people[index]!, `user${index}-device2`)),
    ];
    const deadline = Date.now() + 20_000;
    while (!this.receivers.every((receiver) => receiver.received.some((entry) => entry.data.type === 'presence.snapshot'))) {
      if (Date.now() > deadline) throw new Error('receivers did not get their presence snapshot');
      await sleep(25);
    }
    await this.createConversations();
  }

  private async createPeople(): Promise<void> {
    const { db } = this.options;
    const now = new Date();
    await db.insert(users).values(
      Array.from({ length: USERS }, (_, index) => ({
        email: `gapless${index}@example.com`,
        username: `gapless${index}`,
        displayName: `Gapless ${index}`,
        emailVerifiedAt: now,
      })),
    );
    const rows = await db.select({ id: users.id, username: users.username }).from(users);
    this.people = await Promise.all(
      Array.from({ length: USERS }, async (_, index) => {
        const id = rows.find((row) => row.username === `gapless${index}`)!.id;
        const { token } = await createSession({ db, clock: systemClock }, id);
        return { index, id, token, http: createTestClient(this.httpProxy.url, { token }) };
      }),
    );
  }

  private async createConversations(): Promise<void> {
    const group = async (name: string, members: number[]) => {
      const [owner, ...rest] = members;
      const { conversationId } = await this.people[owner!]!.http.chat.createGroup.mutate({ name, memberIds: rest.map((index) => this.people[index]!.id) });
      this.chats.push({ id: conversationId, name, members });
    };
    const direct = async (a: number, b: number) => {
      const { conversationId } = await this.people[a]!.http.chat.openDirect.mutate({ userId: this.people[b]!.id });
      this.chats.push({ id: conversationId, name: `direct ${a}-${b}`, members: [a, b] });
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
  }

  /** Sends with one clientId until a server accepts it, as a client does after a failed call. */
  private async sendUntilAccepted(person: Person, conversationId: number, clientId: string): Promise<number> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      let message;
      try {
        message = await person.http.chat.send.mutate({ conversationId, clientId, kind: 'text', text: clientId });
      } catch (error) {
        const key = String(error).slice(0, 80);
        this.sendStats.errors.set(key, (this.sendStats.errors.get(key) ?? 0) + 1);
        if (Date.now() > deadline) throw error;
        this.sendStats.retries++;
        await sleep(random(50, 250));
        continue;
      }
      expect(message).toMatchObject({ clientId, conversationId, senderId: person.id });
      return message.id;
    }
  }

  private async senderLoop(person: Person, phase: string): Promise<void> {
    const mine = this.chats.filter((chat) => chat.members.includes(person.index));
    for (let n = 0; n < SENDS_PER_SENDER; n++) {
      const chat = pick(mine);
      const clientId = `${phase}-s${person.index}-${n}`;
      this.sent.set(clientId, await this.sendUntilAccepted(person, chat.id, clientId));
      await sleep(random(0, 25));
    }
  }

  /** A conversation's message ids, oldest first, read through the API a page at a time. */
  private async historyIds(conversation: Conversation): Promise<number[]> {
    const reader = this.people[conversation.members[0]!]!;
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

  private async expectedState(): Promise<Expected> {
    const ids = new Map<number, number[]>();
    for (const chat of this.chats) ids.set(chat.id, await this.historyIds(chat));
    const rows = await this.options.db
      .select({ id: conversations.id, lastSeq: conversations.lastSeq })
      .from(conversations)
      .where(
        inArray(
          conversations.id,
          this.chats.map((chat) => chat.id),
        ),
      );
    return { ids, lastSeq: new Map(rows.map((row) => [row.id, row.lastSeq])) };
  }

  /** Waits until every receiver matches the conversations (or the deadline), then asserts exactly. */
  private async expectEveryReceiverComplete(phase: string): Promise<ReturnType<typeof tally>> {
    const expected = await this.expectedState();
    // Each send happened once, whatever the retries.
    const inHistory = new Map<number, number>();
    for (const ids of expected.ids.values()) for (const id of ids) inHistory.set(id, (inHistory.get(id) ?? 0) + 1);
    expect([...this.sent.values()].filter((id) => inHistory.get(id) !== 1)).toEqual([]);
    expect(inHistory.size).toBe(this.sent.size);

    const deadline = Date.now() + SETTLE_MS;
    const run = { receivers: this.receivers, chats: this.chats, sent: this.sent };
    while (problems(run, expected).length > 0 && Date.now() < deadline) await sleep(200);
    // Anything arriving late would be a duplicate: give it a moment to show up.
    await sleep(500);
    const found = problems(run, expected, true);
    const counts = tally(run, expected);
    console.info(
      `[gapless] ${phase}: ${counts.delivered} delivered, ${counts.lost} lost, ${counts.duplicated} duplicated, ${counts.outOfOrder} out of order, ${counts.resyncs} resyncs`,
    );
    if (found.length > 0) console.error(`[gapless] ${phase}:\n${found.join('\n')}`);
    expect(found, `after ${phase}`).toEqual([]);
    return counts;
  }
}
