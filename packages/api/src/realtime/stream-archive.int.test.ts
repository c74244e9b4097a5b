import { conversationMembers, conversations, eventArchive, users } from '@chorus/db';
import { connectTestRedis, createShiftableClock, createTestDatabase, startTestRedis, type ShiftableClock, type TestDatabase } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendConversationEvent } from '../chat/conversation-log';
import { createPromMetrics, type PromMetrics } from '../metrics/prom-metrics';
import type { Delivery } from './event-hub';
import type { ChorusEvent } from './events';
import { Realtime } from './realtime';
import { StreamArchiver } from './stream-archive';
import { conversationKeys, userKeys } from './stream-keys';

// The stream archive against real MariaDB and Redis (a Redis Cluster in the `redis-cluster`
// project): entries older than the window move to the database, and reading a user's stream
// from any position gives exactly what Redis alone gave before, across passes running at once.
const WINDOW_MS = 1000;
const RETENTION_MS = 48 * 3600 * 1000;
/** Timers that never fire during the test: passes and sweeps are run by hand. */
const NEVER_MS = 3_600_000;
const logger = pino({ level: 'silent' });

let database: TestDatabase;
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis | Cluster;
let clock: ShiftableClock;
let prom: PromMetrics;
let realtime: Realtime;
let reader: number;
let other: number;
const chats: number[] = [];
let published = 0;

beforeAll(async () => {
  [database, redisService] = await Promise.all([createTestDatabase(), startTestRedis()]);
  redis = connectTestRedis(redisService.url);
  clock = createShiftableClock();
  prom = createPromMetrics({ db: database.db, redis });
  const deps = { db: database.db, redis, logger, clock, metrics: prom.metrics };
  realtime = await Realtime.start(deps, { retentionMs: RETENTION_MS, redisWindowMs: WINDOW_MS, archiveEveryMs: NEVER_MS, sweepEveryMs: NEVER_MS });
  const now = new Date();
  for (const name of ['reader', 'other']) {
    const [user] = await database.db.insert(users).values({ username: name, displayName: name, emailVerifiedAt: now });
    if (name === 'reader') reader = user.insertId;
    else other = user.insertId;
  }
  for (const name of ['one', 'two']) {
    const [conversation] = await database.db.insert(conversations).values({ kind: 'group', name });
    chats.push(conversation.insertId);
    await database.db.insert(conversationMembers).values([
      { conversationId: conversation.insertId, userId: reader, role: 'owner' },
      { conversationId: conversation.insertId, userId: other, role: 'member' },
    ]);
  }
}, 60_000);

afterAll(async () => {
  await realtime?.close();
  prom?.close();
  redis?.disconnect();
  await Promise.all([database?.drop(), redisService?.stop()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `rounds` × (an event in each conversation, then a user event for the reader). */
async function publish(rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const n = ++published;
    for (const conversationId of chats) {
      const stored = await database.db.transaction((tx) =>
        appendConversationEvent(tx, clock.now(), conversationId, { type: 'read', userId: other, upToMessageId: n }),
      );
      await realtime.publishConversationEvent(stored);
    }
    await realtime.publishToUsers([reader], `archive-test-${n}`, { type: 'friend.removed', userId: n });
  }
}

/** The reader's stream after `afterId`, read `count` at a time until nothing follows. */
async function readAll(afterId: string, count = 500): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let position = afterId;
  for (;;) {
    const { deliveries, continuous } = await realtime.streams.readAfter(reader, position, count);
    expect(continuous).toBe(true);
    if (deliveries.length === 0) return all;
    all.push(...deliveries);
    position = deliveries[deliveries.length - 1]!.id;
  }
}

const archiveRows = () => database.db.select().from(eventArchive).where(eq(eventArchive.userId, reader));

describe('stream archive', () => {
  let reference: Delivery[] = [];

  it('moves entries past the window to the database; every resumption reads what Redis alone gave', async () => {
    await publish(10);
    // Read before any pass: all of it from Redis.
    reference = await readAll('0-0');
    expect(reference).toHaveLength(30);
    await sleep(2 * WINDOW_MS + 300);
    await publish(1);
    reference.push(...(await readAll(reference[29]!.id)));
    expect(reference).toHaveLength(33);

    const archived = await realtime.archiver!.pass();
    // The reader's 30 old entries and the other member's 20.
    expect(archived).toBe(50);
    const recent = await redis.xrange(userKeys(reader).stream, '-', '+');
    expect(recent.map(([id]) => id)).toEqual(reference.slice(30).map((delivery) => delivery.id));
    // Old conversation bodies expired (2 × window); the archive refers to conversation_events.
    const bodyOf = (delivery: Delivery) => {
      const { conversationId, seq } = delivery.event as { conversationId: number; seq: number };
      return conversationKeys(conversationId).body(seq);
    };
    expect(await redis.exists(bodyOf(reference[0]!))).toBe(0);
    expect(await redis.exists(bodyOf(reference[30]!))).toBe(1);
    expect((await archiveRows()).length).toBeGreaterThan(0);

    expect(await readAll('0-0')).toEqual(reference);
    for (const from of [0, 13, 29, 30, 32]) expect(await readAll(reference[from]!.id)).toEqual(reference.slice(from + 1));
    // Small pages cross from the archive to Redis without a gap.
    expect(await readAll('0-0', 7)).toEqual(reference);
    // A position we never gave is not followed by anything.
    expect(await realtime.streams.readAfter(reader, `${reference[5]!.id.split('-')[0]}-99`, 10)).toEqual({ deliveries: [], continuous: false });

    // A subscription resumed in the archive gets the rest, then goes live.
    const seen = await subscribeFrom(reference[2]!.id, reference.length - 3);
    expect(seen).toEqual(reference.slice(3).map((delivery) => ({ id: delivery.id, event: delivery.event })));
    expect(await prom.registry.getSingleMetricAsString('chorus_stream_archived_entries_total')).toMatch(/ 50$/m);
  }, 30_000);

  it('passes of two archivers at once, with readers paging through, lose and duplicate nothing', async () => {
    const second = new StreamArchiver(
      { db: database.db, redis, logger, clock, metrics: prom.metrics },
      { windowMs: WINDOW_MS, retentionMs: RETENTION_MS, everyMs: NEVER_MS },
    );
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        await publish(8);
        reference.push(...(await readAll(reference[reference.length - 1]!.id)));
        await sleep(WINDOW_MS + 100);
        const reads = Promise.all([readAll('0-0', 3), readAll(reference[10]!.id, 5), readAll('0-0')]);
        await Promise.all([realtime.archiver!.pass(), second.pass(), sleep(5).then(() => realtime.archiver!.pass())]);
        const [small, middle, whole] = await reads;
        expect(small).toEqual(reference);
        expect(middle).toEqual(reference.slice(11));
        expect(whole).toEqual(reference);
      }
      expect(await redis.xlen(userKeys(reader).stream)).toBe(0);
      expect(await readAll('0-0')).toEqual(reference);
    } finally {
      await second.close();
    }
  }, 30_000);

  it('large user events are split over rows of about a megabyte, read back whole', async () => {
    const rowsBefore = (await archiveRows()).length;
    const title = 'x'.repeat(400 * 1024);
    for (let n = 1; n <= 4; n++) await realtime.publishToUsers([reader], `archive-large-${n}`, { type: 'ai.title', conversationId: n, title });
    reference.push(...(await readAll(reference[reference.length - 1]!.id)));
    await sleep(WINDOW_MS + 100);
    expect(await realtime.archiver!.pass()).toBe(4);
    expect((await archiveRows()).length).toBeGreaterThanOrEqual(rowsBefore + 2);
    expect(await readAll('0-0')).toEqual(reference);
  }, 30_000);

  it('a stream that cannot be archived holds back only itself, is logged, and is archived once it can be', async () => {
    const lines: string[] = [];
    const archiver = new StreamArchiver(
      { db: database.db, redis, logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }), clock, metrics: prom.metrics },
      { windowMs: WINDOW_MS, retentionMs: RETENTION_MS, everyMs: NEVER_MS },
    );
    // An entry whose `prev` is longer than any stream id: its row does not fit the table.
    const bad = userKeys(4_000_000).stream;
    await redis.xadd(bad, '1-1', 'p', 'x'.repeat(60), 'b', conversationKeys(chats[0]!).body(1));
    try {
      await publish(2);
      reference.push(...(await readAll(reference.at(-1)?.id ?? '0-0')));
      await sleep(WINDOW_MS + 100);
      await archiver.pass();
      expect(await redis.xlen(userKeys(reader).stream)).toBe(0);
      expect(await readAll('0-0')).toEqual(reference);
      expect(await redis.xlen(bad)).toBe(1);
      const warnings = lines.map((line) => JSON.parse(line) as { msg: string; key: string });
      expect(warnings.map(({ msg, key }) => [msg, key])).toEqual([['stream not archived; it is tried again at the next pass', bad]]);

      // Mended, it goes at the next pass.
      await redis.del(bad);
      await redis.xadd(bad, '1-1', 'p', '0-0', 'b', conversationKeys(chats[0]!).body(1));
      await archiver.pass();
      expect(await redis.xlen(bad)).toBe(0);
      expect(await database.db.select().from(eventArchive).where(eq(eventArchive.userId, 4_000_000))).toHaveLength(1);
      expect(lines).toHaveLength(1);
    } finally {
      await Promise.all([archiver.close(), redis.del(bad)]);
    }
  }, 30_000);

  it('a position whose archive was pruned past retention resumes with resync (expired)', async () => {
    clock.advance(RETENTION_MS + 60_000);
    await realtime.archiver!.pass();
    expect(await archiveRows()).toEqual([]);
    // Redis holds newer entries, and nothing continues from the old position.
    await publish(1);
    expect(await realtime.streams.readAfter(reader, reference[3]!.id)).toEqual({ deliveries: [], continuous: false });
    const [first] = await subscribeFrom(reference[3]!.id, 1);
    expect(first?.event).toEqual({ type: 'resync', reason: 'expired' });
  }, 30_000);
});

/** The first `count` events (besides the presence snapshot) of a subscription resumed after `lastEventId`. */
async function subscribeFrom(lastEventId: string, count: number): Promise<{ id: string; event: ChorusEvent }[]> {
  const controller = new AbortController();
  const seen: { id: string; event: ChorusEvent }[] = [];
  const stream = realtime.subscribe(reader, { lastEventId, signal: controller.signal, snapshot: async () => ({ type: 'presence.snapshot', users: [] }) });
  for await (const [id, event] of stream as AsyncIterable<[string, ChorusEvent]>) {
    if (event.type === 'presence.snapshot') continue;
    seen.push({ id, event });
    if (seen.length >= count) break;
  }
  controller.abort();
  return seen;
}
