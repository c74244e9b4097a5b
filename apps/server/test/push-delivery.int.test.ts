import { pushDevices, pushOutbox, sessions, type TPushOutboxRow, type TPushPayload } from '@chorus/db';
import {
  createShiftableClock,
  createTestClient,
  startFakeWebPush,
  startMailedTestServer,
  startTestServer,
  TEST_PASSWORD,
  type FakePushSubscription,
  type FakeWebPush,
  type MailedTestServer,
  type TestAccount,
} from '@chorus/testing';
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let env: MailedTestServer;
let fake: FakeWebPush;
let ann: TestAccount;
let seq = 0;

beforeAll(async () => {
  fake = await startFakeWebPush();
  env = await startMailedTestServer({ clock });
  ann = await env.accounts.register('ann');
});
afterAll(async () => {
  await env?.stop();
  await fake?.stop();
});

const db = () => env.server.deps.db;

async function browser(): Promise<{ deviceId: number; subscription: FakePushSubscription; endpointId: string }> {
  const subscription = fake.subscription();
  const { deviceId } = await ann.client.push.registerDevice.mutate({ kind: 'webpush', subscription });
  return { deviceId, subscription, endpointId: subscription.endpoint.slice(subscription.endpoint.lastIndexOf('/') + 1) };
}

/** A push as the producer writes it (its own tests cover who gets one): one row, then the nudge. */
async function queue(deviceId: number, fields: Partial<typeof pushOutbox.$inferInsert> = {}): Promise<{ id: number; payload: TPushPayload }> {
  const now = clock.now();
  seq += 1;
  const payload: TPushPayload = { type: 'message', conversationId: 7, messageId: seq, title: 'Bob', body: `hello ${seq}`, url: `/c/7#${seq}` };
  const [row] = await db()
    .insert(pushOutbox)
    .values({
      deviceId,
      userId: ann.id,
      payload,
      ttlSeconds: 3600,
      badge: 3,
      nextAttemptAt: now,
      expiresAt: new Date(now.getTime() + 3600_000),
      createdAt: now,
      ...fields,
    })
    .$returningId();
  env.server.deps.push.wake();
  return { id: row!.id, payload };
}

async function outboxRow(id: number): Promise<TPushOutboxRow | undefined> {
  return (await db().select().from(pushOutbox).where(eq(pushOutbox.id, id)))[0];
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const messageIdOf = (payload: unknown) => (payload as { messageId?: number }).messageId;

describe('push delivery', () => {
  it('delivers the queued payload encrypted, with TTL, urgency and topic', async () => {
    const { deviceId, endpointId } = await browser();
    const { id, payload } = await queue(deviceId, { urgency: 'high', ttlSeconds: 60, collapseKey: 'conversation-7' });
    const push = await fake.waitFor((p) => messageIdOf(p.payload) === payload.messageId);
    expect(push).toMatchObject({ endpointId, payload: { ...payload, badge: 3 }, ttl: 60, urgency: 'high', topic: 'conversation-7' });

    const sent = await until(async () => ((await outboxRow(id))?.status === 'sent' ? outboxRow(id) : null), 'row marked sent');
    expect(sent).toMatchObject({ status: 'sent', payload: null, attempts: 1, lockedUntil: null });
    expect(sent.sentAt).toBeInstanceOf(Date);

    // A collapse key longer than a Topic may be is hashed into 32 URL-safe characters.
    const long = 'conversation:1234567890:thread:9876543210';
    const second = await queue(deviceId, { collapseKey: long, urgency: 'low' });
    const hashed = await fake.waitFor((p) => messageIdOf(p.payload) === second.payload.messageId);
    expect(hashed).toMatchObject({ urgency: 'low', topic: createHash('sha256').update(long).digest('base64url').slice(0, 32) });
  });

  it('removes a device whose subscription is gone, with its queued pushes', async () => {
    const { deviceId, subscription } = await browser();
    fake.unsubscribe(subscription.endpoint);
    const first = await queue(deviceId);
    const second = await queue(deviceId, { nextAttemptAt: new Date(clock.now().getTime() + 3600_000) });
    await until(async () => (await db().select().from(pushDevices).where(eq(pushDevices.id, deviceId))).length === 0, 'device removed');
    expect(
      await db()
        .select()
        .from(pushOutbox)
        .where(inArray(pushOutbox.id, [first.id, second.id])),
    ).toEqual([]);
    expect(await ann.client.push.devices.query()).not.toContainEqual(expect.objectContaining({ id: deviceId }));
  });

  it('retries a 503 no sooner than its Retry-After, then delivers once', async () => {
    const { deviceId, endpointId } = await browser();
    fake.replyNext(1, { status: 503, retryAfter: 30 });
    const { id, payload } = await queue(deviceId);
    const failed = await until(async () => ((await outboxRow(id))?.attempts === 1 ? outboxRow(id) : null), 'first attempt recorded');
    expect(failed).toMatchObject({ status: 'pending', lockedUntil: null, lastError: expect.stringContaining('503') as string });
    expect(failed.nextAttemptAt.getTime() - clock.now().getTime()).toBeGreaterThan(28_000);

    // Several polls go by without an attempt while Retry-After holds.
    await sleep(600);
    expect(fake.requests.filter((request) => request.endpointId === endpointId).map((request) => request.status)).toEqual([503]);

    clock.advance(30_000);
    await fake.waitFor((p) => messageIdOf(p.payload) === payload.messageId);
    await until(async () => (await outboxRow(id))?.status === 'sent', 'row marked sent');
    await sleep(300);
    expect(fake.requests.filter((request) => request.endpointId === endpointId).map((request) => request.status)).toEqual([503, 201]);
    expect(fake.received.filter((p) => messageIdOf(p.payload) === payload.messageId)).toHaveLength(1);
  });

  it('gives up on a push the service rejects', async () => {
    const { deviceId } = await browser();
    fake.replyNext(1, { status: 400 });
    const { id } = await queue(deviceId);
    const dead = await until(async () => ((await outboxRow(id))?.status === 'dead' ? outboxRow(id) : null), 'row dead');
    expect(dead).toMatchObject({ payload: null, attempts: 1, lastError: expect.stringContaining('400') as string });
    expect((await db().select().from(pushDevices).where(eq(pushDevices.id, deviceId))).length).toBe(1);
  });

  it('drops a push whose TTL ran out before it could go, without sending it', async () => {
    const { deviceId, endpointId } = await browser();
    const past = new Date(clock.now().getTime() - 1000);
    const { id } = await queue(deviceId, { createdAt: new Date(past.getTime() - 60_000), nextAttemptAt: past, expiresAt: past });
    const dead = await until(async () => ((await outboxRow(id))?.status === 'dead' ? outboxRow(id) : null), 'row dropped');
    expect(dead).toMatchObject({ payload: null, lastError: 'expired', attempts: 0 });
    expect(fake.requests.filter((request) => request.endpointId === endpointId)).toEqual([]);
  });

  it('drops the devices of a session that ran out unseen, unsent', async () => {
    const { token } = await env.accounts.anon().auth.login.mutate({ login: 'ann', password: TEST_PASSWORD });
    const phone = createTestClient(env.server.url, { token });
    const subscription = fake.subscription();
    const { deviceId } = await phone.push.registerDevice.mutate({ kind: 'webpush', subscription });
    const [device] = await db().select().from(pushDevices).where(eq(pushDevices.id, deviceId));
    await db()
      .update(sessions)
      .set({ expiresAt: new Date(clock.now().getTime() - 1000) })
      .where(eq(sessions.id, device!.sessionId));
    const { id } = await queue(deviceId);
    await until(async () => (await db().select().from(pushDevices).where(eq(pushDevices.id, deviceId))).length === 0, 'device removed');
    expect(await outboxRow(id)).toBeUndefined();
    expect(fake.requests.filter((request) => subscription.endpoint.endsWith(request.endpointId))).toEqual([]);
  });

  it('gives up on devices of a platform this server has no provider for', async () => {
    const [session] = await db()
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.userId, ann.id), gt(sessions.expiresAt, clock.now())))
      .limit(1);
    const [device] = await db()
      .insert(pushDevices)
      .values({ userId: ann.id, sessionId: session!.id, kind: 'fcm', fingerprint: 'f'.repeat(64), token: 'fcm-token-without-provider' })
      .$returningId();
    const { id } = await queue(device!.id);
    const dead = await until(async () => ((await outboxRow(id))?.status === 'dead' ? outboxRow(id) : null), 'row dead');
    expect(dead.lastError).toBe('no fcm provider is configured on this server');
    await db().delete(pushDevices).where(eq(pushDevices.id, device!.id));
  });
});

describe('push delivery on two instances', () => {
  it('sends each push once although both workers claim', async () => {
    const other = await startTestServer({ database: env.server.database, clock, jobs: { push: { pollMs: 20, batchSize: 5 } } });
    try {
      const devices = await Promise.all(Array.from({ length: 4 }, () => browser()));
      const queued: number[] = [];
      for (let i = 0; i < 60; i++) queued.push((await queue(devices[i % devices.length]!.deviceId)).payload.messageId!);
      other.deps.push.wake();
      await until(async () => queued.every((messageId) => fake.received.some((p) => messageIdOf(p.payload) === messageId)), 'all 60 delivered', 20_000);
      await sleep(500);
      const counts = queued.map((messageId) => fake.received.filter((p) => messageIdOf(p.payload) === messageId).length);
      expect(counts.every((count) => count === 1)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
