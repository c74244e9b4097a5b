// events.subscribe resumed from positions the archiver has moved out of Redis (a server with a
// half-second Redis window, its archiver on its own timer): the client gets the same events with
// the same ids, and once the archive is pruned past retention, `resync` (expired).
import { createSession } from '@chorus/api';
import { closeChorusClient } from '@chorus/client';
import { eventArchive, users } from '@chorus/db';
import { createShiftableClock, createTestClient, startTestServer, type TestServer } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RETENTION_MS = 48 * 3600 * 1000;
const clock = createShiftableClock();
let server: TestServer;
let userId: number;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ clock, appConfig: { eventRedisWindowMs: 500, eventRetentionMs: RETENTION_MS } });
  const [row] = await server.deps.db.insert(users).values({ username: 'archived', displayName: 'archived', emailVerifiedAt: new Date() });
  userId = row.insertId;
  token = (await createSession(server.deps, userId, { ip: '127.0.0.1', userAgent: 'test' })).token;
});
afterAll(async () => {
  await server?.stop();
});

/** The first `count` events after the presence snapshot of events.subscribe resumed from `lastEventId`. */
async function resume(lastEventId: string, count: number): Promise<{ id: string; data: unknown }[]> {
  const client = createTestClient(server.url, { token });
  const seen: { id: string; data: unknown }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const subscription = client.events.subscribe.subscribe(
        { lastEventId },
        {
          onData: (event) => {
            if (event.data.type === 'presence.snapshot') return;
            seen.push({ id: event.id, data: event.data });
            if (seen.length < count) return;
            subscription.unsubscribe();
            resolve();
          },
          onError: reject,
        },
      );
    });
  } finally {
    await closeChorusClient(client);
  }
  return seen;
}

const publish = (n: number) => server.deps.realtime.publishToUsers([userId], `archived-${n}`, { type: 'friend.removed', userId: n });

describe('events.subscribe over the stream archive', () => {
  let before: { id: string; data: unknown }[] = [];

  it('a resumption from a position older than the window gets the same events with the same ids', async () => {
    for (let n = 1; n <= 6; n++) await publish(n);
    before = await resume('0-0', 6);
    expect(before.map((event) => (event.data as { userId: number }).userId)).toEqual([1, 2, 3, 4, 5, 6]);
    // The archiver moves them to the database and trims the stream.
    await expect.poll(() => server.deps.redis.xlen(`chorus:{u${userId}}:s`), { timeout: 15_000, interval: 200 }).toBe(0);
    expect(await resume(before[1]!.id, 4)).toEqual(before.slice(2));
    expect(await resume('0-0', 6)).toEqual(before);
  }, 40_000);

  it('once the archive is pruned past retention, the same resumption gets resync (expired)', async () => {
    clock.advance(RETENTION_MS + 120_000);
    const rows = () => server.deps.db.select().from(eventArchive).where(eq(eventArchive.userId, userId));
    await expect.poll(async () => (await rows()).length, { timeout: 15_000, interval: 200 }).toBe(0);
    await publish(7);
    const [first] = await resume(before[1]!.id, 1);
    expect(first?.data).toEqual({ type: 'resync', reason: 'expired' });
  }, 40_000);
});
