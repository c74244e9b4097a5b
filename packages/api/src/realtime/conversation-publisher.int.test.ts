import { conversationEvents, conversationMembers, conversations, users } from '@chorus/db';
import { createTestDatabase, exposedGc, startTestRedis, type TestDatabase } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppDeps } from '../app-deps';
import { appendConversationEvent } from '../chat/conversation-log';
import type { AppDeps } from '../deps';
import { createPromMetrics, type PromMetrics } from '../metrics/prom-metrics';
import { userKeys } from './stream-keys';
import type { ChorusEvent } from './events';

// The publishing rules behind gapless delivery, driven directly: out-of-order publishes,
// events whose process died before publishing, and duplicates.
let database: TestDatabase;
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let deps: AppDeps & { close(): Promise<void> };
let prom: PromMetrics;
let reader: number;
let conversationId: number;

beforeAll(async () => {
  [database, redisService] = await Promise.all([createTestDatabase(), startTestRedis()]);
  redis = new Redis(redisService.url);
  prom = createPromMetrics({ db: database.db, redis });
  deps = await createAppDeps({ db: database.db, redis, logger: pino({ level: 'silent' }), sweepEveryMs: 3_600_000, metrics: prom.metrics });
  const now = new Date();
  const [user] = await database.db.insert(users).values({ username: 'reader', displayName: 'reader', emailVerifiedAt: now });
  reader = user.insertId;
  const [conversation] = await database.db.insert(conversations).values({ kind: 'group', name: 'log' });
  conversationId = conversation.insertId;
  await database.db.insert(conversationMembers).values({ conversationId, userId: reader, role: 'owner' });
});
afterAll(async () => {
  await deps?.close();
  prom?.close();
  redis?.disconnect();
  await Promise.all([database?.drop(), redisService?.stop()]);
});

const read = (n: number) => ({ type: 'read' as const, userId: reader, upToMessageId: n });
const append = (n: number) => deps.db.transaction((tx) => appendConversationEvent(tx, new Date(), conversationId, read(n)));

/**
 * Collects the reader's events until `count`. Resolves once the stream is live (its snapshot
 * came, or it ended first): an event published before that may precede the head a new
 * subscription starts from, and never arrive.
 */
async function collect(count: number, lastEventId?: string) {
  const controller = new AbortController();
  const seen: Array<{ id: string; event: ChorusEvent }> = [];
  const stream = deps.realtime.subscribe(reader, { lastEventId, signal: controller.signal, snapshot: async () => ({ type: 'presence.snapshot', users: [] }) });
  let markLive = () => {};
  const live = new Promise<void>((resolve) => (markLive = resolve));
  const done = (async () => {
    try {
      for await (const [id, event] of stream as AsyncIterable<[string, ChorusEvent]>) {
        if (event.type === 'presence.snapshot') markLive();
        else seen.push({ id, event });
        if (seen.length >= count) break;
      }
    } finally {
      markLive();
    }
  })();
  await live;
  return { seen, done, stop: () => controller.abort() };
}

describe('conversation publisher', () => {
  it('publishes in seq order even when a later event is published first', async () => {
    const live = await collect(2);
    const first = await append(1);
    const second = await append(2);
    await deps.realtime.publishConversationEvent(second);
    await deps.realtime.publishConversationEvent(first);
    await live.done;
    expect(live.seen.map((entry) => (entry.event.type === 'read' ? entry.event.upToMessageId : -1))).toEqual([1, 2]);
    expect(live.seen.map((entry) => (entry.event as { seq: number }).seq)).toEqual([first.seq, second.seq]);
  });

  it('the sweeper publishes an event whose process died after commit, once', async () => {
    const live = await collect(1);
    const orphan = await append(3);
    await deps.realtime.conversations.sweep(0);
    await live.done;
    expect(live.seen[0]?.event).toMatchObject({ type: 'read', upToMessageId: 3, seq: orphan.seq });
    // Publishing again (a retry, a second sweeper) changes nothing.
    await deps.realtime.publishConversationEvent(orphan);
    await deps.realtime.conversations.sweep(0);
    const head = await deps.realtime.streams.head(reader);
    expect(head).toBe(live.seen[0]?.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [row] = await deps.db.select().from(conversationEvents).where(eq(conversationEvents.id, orphan.id));
    expect(row?.publishedAt).toBeInstanceOf(Date);
  });

  it('replays from a position, and answers resync when the position is past retention', async () => {
    const head = (await deps.realtime.streams.head(reader))!;
    await deps.realtime.publishConversationEvent(await append(4));
    await deps.realtime.publishConversationEvent(await append(5));
    const replay = await collect(2, head);
    await replay.done;
    expect(replay.seen.map((entry) => (entry.event.type === 'read' ? entry.event.upToMessageId : -1))).toEqual([4, 5]);

    // Trim the stream as retention would: the old position no longer connects.
    await redis.xtrim(userKeys(reader).stream, 'MAXLEN', 1);
    const late = await collect(1, head);
    await late.done;
    expect(late.seen[0]?.event).toEqual({ type: 'resync', reason: 'expired' });
  });

  it("sends a conversation's events without waiting for each other's answers", async () => {
    const events = [];
    for (let n = 6; n <= 13; n++) events.push(await append(n));
    const live = await collect(events.length);
    const before = { ...deps.realtime.conversations.stats };
    expect(before.mostInFlight).toBeLessThan(8);
    await Promise.all(events.map((event) => deps.realtime.publishConversationEvent(event)));
    await live.done;
    expect(live.seen.map((entry) => (entry.event.type === 'read' ? entry.event.upToMessageId : -1))).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    live.stop();
    const { stats } = deps.realtime.conversations;
    // All eight scripts were out before any answer came back, and each published its event.
    expect(stats.mostInFlight).toBeGreaterThanOrEqual(8);
    expect({ sent: stats.sent - before.sent, ordered: stats.ordered - before.ordered }).toEqual({ sent: 8, ordered: 0 });
  });

  it('publishes in seq order, once each, whatever the order of arrival', async () => {
    const events = [];
    for (let n = 14; n <= 21; n++) events.push(await append(n));
    const live = await collect(events.length);
    // Shuffled, one of them twice: those sent ahead of a predecessor are refused and retried in turn.
    const shuffled = [events[5]!, events[1]!, events[7]!, events[3]!, events[0]!, events[2]!, events[6]!, events[4]!, events[1]!];
    const before = { ...deps.realtime.conversations.stats };
    await Promise.all(shuffled.map((event) => deps.realtime.publishConversationEvent(event)));
    await live.done;
    expect(live.seen.map((entry) => (entry.event.type === 'read' ? entry.event.upToMessageId : -1))).toEqual([14, 15, 16, 17, 18, 19, 20, 21]);
    // Nothing arrives twice afterwards.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(live.seen).toHaveLength(8);
    live.stop();
    expect(deps.realtime.conversations.stats.ordered - before.ordered).toBeGreaterThan(0);
  });

  it('an event that finds an earlier one unpublished publishes that one first', async () => {
    const orphan = await append(22);
    const [later, last] = [await append(23), await append(24)];
    const live = await collect(3);
    // Both sent at once, both behind the orphan.
    await Promise.all([deps.realtime.publishConversationEvent(later), deps.realtime.publishConversationEvent(last)]);
    await live.done;
    expect(live.seen.map((entry) => (entry.event as { seq: number }).seq)).toEqual([orphan.seq, later.seq, last.seq]);
  });

  it('a stream keeps no snapshot once it has been taken and the stream waits for more', async () => {
    const gc = exposedGc();
    const controller = new AbortController();
    const stream = deps.realtime.subscribe(reader, {
      lastEventId: undefined,
      signal: controller.signal,
      snapshot: async () => ({
        type: 'presence.snapshot',
        users: Array.from({ length: 2_000 }, (_, userId) => ({ userId, status: 'offline', lastSeenAt: null })),
      }),
    });
    const snapshot = await (async () => {
      const [, event] = (await stream.next()).value as unknown as [string, ChorusEvent];
      expect(event.type).toBe('presence.snapshot');
      return new WeakRef(event);
    })();
    const waiting = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    expect(snapshot.deref()).toBeUndefined();
    controller.abort();
    await waiting.catch(() => undefined);
    await stream.return(undefined);
  });

  it('times live first publishes only: an old event the sweeper republishes is no delivery latency', async () => {
    const histogram = async () => {
      // A histogram's values name their series (`_bucket`, `_count`, `_sum`).
      type Named = { metricName?: string; value: number; labels: Record<string, string | number | undefined> };
      const values = (await prom.registry.getSingleMetric('chorus_event_delivery_seconds')!.get()).values as Named[];
      const count = values.find((value) => value.metricName === 'chorus_event_delivery_seconds_count')?.value ?? 0;
      const upTo10s = values.find((value) => value.metricName === 'chorus_event_delivery_seconds_bucket' && value.labels.le === 10)?.value ?? 0;
      return { count, over10s: count - upTo10s };
    };
    const live = await collect(1_000);
    // Past the last sample's 100 ms: the next live event is due one.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const before = await histogram();
    // Committed ten minutes ago by a process that died before publishing it, then a fresh one
    // (its process died too): the sweeper publishes both, one right after the other.
    const old = await deps.db.transaction((tx) => appendConversationEvent(tx, new Date(Date.now() - 10 * 60_000), conversationId, read(30)));
    const fresh = await append(31);
    await deps.realtime.conversations.sweep(0);
    const deadline = Date.now() + 5_000;
    const seqs = () => live.seen.map((entry) => (entry.event as { seq: number }).seq);
    while (!seqs().includes(fresh.seq) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    live.stop();
    await live.done.catch(() => undefined);
    expect(seqs()).toEqual(expect.arrayContaining([old.seq, fresh.seq]));

    const after = await histogram();
    expect(after.over10s - before.over10s).toBe(0);
    // The old event did not take the sample either: the fresh one, delivered within the same
    // 100 ms, was timed.
    expect(after.count - before.count).toBe(1);
  });
});
