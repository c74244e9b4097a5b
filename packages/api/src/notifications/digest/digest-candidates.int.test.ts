import { conversationMembers, conversations, messages, users } from '@chorus/db';
import { createTestDatabase, startTestRedis, type TestDatabase } from '@chorus/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCandidates, CURSOR_KEY, PENDING_KEY } from './digest-candidates';

// The candidate scan reads each message once, as it ages past the cutoff; with no cursor it
// starts at the lookback window (7 days), never at the first message ever.
let database: TestDatabase;
let redisService: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
const now = new Date();
const clock = { now: () => now };
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 3600 * 1000);

beforeAll(async () => {
  database = await createTestDatabase();
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisService?.stop();
  await database?.drop();
});

describe('digest candidates', () => {
  it('queue receivers of messages old enough, from the lookback window on, each message once', async () => {
    const db = database.db;
    const idOf = (rows: Array<{ id: number }>) => rows[0]!.id;
    const user = async (name: string) => idOf(await db.insert(users).values({ username: name, displayName: name }).$returningId());
    const a = await user('ann');
    const b = await user('bob');
    const c = await user('cat');
    const ab = idOf(
      await db
        .insert(conversations)
        .values({ kind: 'direct', directKey: `${a}:${b}` })
        .$returningId(),
    );
    const ac = idOf(
      await db
        .insert(conversations)
        .values({ kind: 'direct', directKey: `${a}:${c}` })
        .$returningId(),
    );
    await db.insert(conversationMembers).values([
      { conversationId: ab, userId: a },
      { conversationId: ab, userId: b },
      { conversationId: ac, userId: a },
      { conversationId: ac, userId: c },
    ]);
    const send = async (conversationId: number, createdAt: Date, clientId: string) =>
      (await db.insert(messages).values({ conversationId, senderId: a, clientId, kind: 'text', text: clientId, createdAt }).$returningId())[0]!.id;
    // Ten old messages to bob (outside the window), then one to cat inside it, then one too young.
    for (let i = 0; i < 10; i++) await send(ab, daysAgo(30 - i), `old-${i}`);
    const recent = await send(ac, daysAgo(1), 'recent');
    const young = await send(ab, new Date(now.getTime() - 60_000), 'young');
    const deps = { db, redis, clock };
    const cutoff = new Date(now.getTime() - 30 * 60_000);

    expect(await collectCandidates(deps, cutoff, 100)).toBe(1);
    expect(await redis.zrange(PENDING_KEY, 0, -1)).toEqual([String(c)]);
    expect(Number(await redis.get(CURSOR_KEY))).toBe(recent);
    // Nothing new is old enough: nothing is queued again.
    expect(await collectCandidates(deps, cutoff, 100)).toBe(0);
    // Once the young message is old enough, bob is queued for it.
    expect(await collectCandidates(deps, new Date(now.getTime()), 100)).toBe(1);
    expect((await redis.zrange(PENDING_KEY, 0, -1)).sort()).toEqual([String(b), String(c)].sort());
    expect(Number(await redis.get(CURSOR_KEY))).toBe(young);
  });
});
