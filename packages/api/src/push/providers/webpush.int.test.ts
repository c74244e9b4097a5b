import type { TPushDeviceRow } from '@chorus/db';
import { startFakeWebPush, testVapidKeys, type FakePushSubscription, type FakeWebPush } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushDelivery } from '../provider';
import { retryAfterMs } from './retry-after';
import { createWebPushProvider, topicOf } from './webpush';

let fake: FakeWebPush;
let named: FakeWebPush;
beforeAll(async () => {
  [fake, named] = await Promise.all([startFakeWebPush(), startFakeWebPush({ host: 'localhost' })]);
});
afterAll(async () => {
  await Promise.all([fake?.stop(), named?.stop()]);
});

function deviceOf(subscription: FakePushSubscription): TPushDeviceRow {
  const { endpoint, keys } = subscription;
  return {
    id: 1,
    userId: 1,
    sessionId: 's',
    kind: 'webpush',
    fingerprint: 'f',
    endpoint,
    p256dh: keys.p256dh,
    auth: keys.auth,
    token: null,
    topic: null,
    createdAt: new Date(),
  };
}

const delivery: PushDelivery = {
  payload: { type: 'mention', conversationId: 3, messageId: 9, title: 'Ann', body: '@you hi' },
  ttlSeconds: 120,
  urgency: 'normal',
  collapseKey: null,
  badge: 0,
};

describe('Web Push provider', () => {
  const open = createWebPushProvider({ vapid: testVapidKeys(), egress: { allowPrivateNetworks: true }, timeoutMs: 2000 });
  const strict = createWebPushProvider({ vapid: testVapidKeys(), egress: { allowPrivateNetworks: false }, timeoutMs: 2000 });
  afterAll(async () => {
    await Promise.all([open.close?.(), strict.close?.()]);
  });

  it('sends what the receiver decrypts, and maps the service answers', async () => {
    const subscription = fake.subscription();
    expect(await open.send(deviceOf(subscription), delivery)).toMatchObject({ outcome: 'sent' });
    expect(fake.received.at(-1)).toMatchObject({ payload: { ...delivery.payload, badge: 0 }, ttl: 120, urgency: 'normal', topic: null });

    fake.replyNext(1, { status: 429, retryAfter: 7 });
    expect(await open.send(deviceOf(subscription), delivery)).toEqual({ outcome: 'retry', reason: 'push service answered 429', retryAfterMs: 7000 });
    fake.replyNext(1, { status: 500 });
    expect(await open.send(deviceOf(subscription), delivery)).toEqual({ outcome: 'retry', reason: 'push service answered 500' });
    fake.replyNext(1, { status: 404 });
    expect(await open.send(deviceOf(subscription), delivery)).toMatchObject({ outcome: 'gone' });
    fake.unsubscribe(subscription.endpoint);
    expect(await open.send(deviceOf(subscription), delivery)).toMatchObject({ outcome: 'gone' });
  });

  it('is refused by the service when the subscription was made for another VAPID key', async () => {
    const other = fake.subscription({ applicationServerKey: 'B'.repeat(87) });
    const outcome = await open.send(deviceOf(other), delivery);
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('403') as string });
    expect(JSON.stringify(outcome)).not.toContain(delivery.payload.body);
  });

  it('re-checks the address when connecting: a name or literal that now points inward is refused', async () => {
    const literal = fake.subscription();
    expect(await strict.send(deviceOf(literal), delivery)).toEqual({ outcome: 'rejected', reason: 'endpoint address refused by the egress policy' });
    const byName = named.subscription();
    expect(byName.endpoint).toMatch(/^https:\/\/localhost:/);
    expect(await strict.send(deviceOf(byName), delivery)).toEqual({ outcome: 'rejected', reason: 'endpoint address refused by the egress policy' });
    expect(named.requests).toEqual([]);
  });

  it('retries when the service cannot be reached', async () => {
    const gone = await startFakeWebPush();
    const subscription = gone.subscription();
    await gone.stop();
    expect(await open.send(deviceOf(subscription), delivery)).toEqual({ outcome: 'retry', reason: 'network: ECONNREFUSED' });
  });
});

describe('Topic and Retry-After', () => {
  it('keeps short URL-safe keys and hashes the rest into 32 characters', () => {
    expect(topicOf(null)).toBeUndefined();
    expect(topicOf('conv-12_a')).toBe('conv-12_a');
    for (const key of ['conv:12', 'x'.repeat(33)]) expect(topicOf(key)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('reads seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
