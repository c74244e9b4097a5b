import { createHash } from 'node:crypto';
import { pushDevices } from '@chorus/db';
import {
  createTestClient,
  failure,
  failureWithDetails,
  startFakeWebPush,
  startMailedTestServer,
  testVapidKeys,
  TEST_PASSWORD,
  type FakeWebPush,
  type MailedTestServer,
  type TestAccount,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let env: MailedTestServer;
let fake: FakeWebPush;
let ann: TestAccount;
let bob: TestAccount;

beforeAll(async () => {
  fake = await startFakeWebPush();
  env = await startMailedTestServer({ appConfig: { rateLimits: { pushDeviceRegistrationsPerUser: { points: 40, seconds: 3600 } } } });
  ann = await env.accounts.register('ann');
  bob = await env.accounts.register('bob');
});
afterAll(async () => {
  await env?.stop();
  await fake?.stop();
});

const webpush = (subscription = fake.subscription()) => ({ kind: 'webpush' as const, subscription });
const apnsToken = () => createHash('sha256').update(String(Math.random())).digest('hex');

async function secondSession(account: TestAccount) {
  const { token } = await env.accounts.anon().auth.login.mutate({ login: account.username, password: TEST_PASSWORD });
  return createTestClient(env.server.url, { token });
}

describe('push devices', () => {
  it('registers, lists without addresses, and unregisters', async () => {
    const subscription = fake.subscription();
    const { deviceId } = await ann.client.push.registerDevice.mutate(webpush(subscription));
    const token = apnsToken();
    const apns = await failure(ann.client.push.registerDevice.mutate({ kind: 'apns', token, topic: 'chat.chorus.app' }));
    // No APNs provider on this server: refused with a typed code rather than stored to fail later.
    expect(apns).toBe('UNAVAILABLE');

    const list = await ann.client.push.devices.query();
    expect(list.map(({ createdAt, ...rest }) => ({ ...rest, createdAt: createdAt instanceof Date }))).toEqual([
      { id: deviceId, kind: 'webpush', createdAt: true, hint: new URL(fake.origin).host, current: true },
    ]);
    expect(JSON.stringify(list)).not.toContain(subscription.keys.p256dh);
    expect(JSON.stringify(list)).not.toContain(subscription.endpoint);

    expect(await bob.client.push.devices.query()).toEqual([]);
    expect(await failure(bob.client.push.unregisterDevice.mutate({ deviceId }))).toBe('NOT_FOUND');
    expect(await ann.client.push.devices.query()).toHaveLength(1);
    await ann.client.push.unregisterDevice.mutate({ deviceId });
    expect(await ann.client.push.devices.query()).toEqual([]);
    expect(await failure(ann.client.push.unregisterDevice.mutate({ deviceId }))).toBe('NOT_FOUND');
  });

  it('gives browsers the VAPID public key', async () => {
    expect(await env.accounts.anon().push.vapidPublicKey.query()).toEqual({ publicKey: testVapidKeys().publicKey });
  });

  it('refuses endpoints and keys that are not a real subscription', async () => {
    const good = fake.subscription();
    const variants = [
      { ...good, endpoint: good.endpoint.replace('https:', 'http:') },
      { ...good, endpoint: 'https://169.254.169.254/push/x' },
      { ...good, endpoint: 'not a url' },
      { ...good, endpoint: 'https://user:pw@example.com/push' },
      { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 4).toString('base64url') } },
      { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } },
      { ...good, keys: { ...good.keys, auth: Buffer.alloc(12).toString('base64url') } },
      { ...good, keys: { ...good.keys, auth: '!!!!' } },
    ];
    for (const subscription of variants) {
      expect(await failure(ann.client.push.registerDevice.mutate({ kind: 'webpush', subscription })), JSON.stringify(subscription)).toBe('BAD_INPUT');
    }
    expect(await failure(ann.client.push.registerDevice.mutate({ kind: 'fcm', token: 'short' }))).toBe('BAD_INPUT');
    expect(await ann.client.push.devices.query()).toEqual([]);
  });

  it('moves an address to whoever registers it last', async () => {
    const subscription = fake.subscription();
    const first = await ann.client.push.registerDevice.mutate(webpush(subscription));
    const second = await bob.client.push.registerDevice.mutate(webpush(subscription));
    expect(second.deviceId).not.toBe(first.deviceId);
    expect(await ann.client.push.devices.query()).toEqual([]);
    expect((await bob.client.push.devices.query()).map((device) => device.id)).toEqual([second.deviceId]);
    await bob.client.push.unregisterDevice.mutate({ deviceId: second.deviceId });
  });

  it('keeps at most 20 devices per user, dropping the oldest', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 21; i++) ids.push((await bob.client.push.registerDevice.mutate(webpush())).deviceId);
    const kept = (await bob.client.push.devices.query()).map((device) => device.id);
    expect(kept).toHaveLength(20);
    expect(kept).not.toContain(ids[0]);
    expect(kept).toContain(ids[20]);
    await env.server.deps.db.delete(pushDevices).where(eq(pushDevices.userId, bob.id));
  });

  it('keeps every device of registrations made at once, under the cap', async () => {
    const dan = await env.accounts.register('dan');
    const registered = await Promise.all(Array.from({ length: 8 }, () => dan.client.push.registerDevice.mutate(webpush())));
    const kept = (await dan.client.push.devices.query()).map((device) => device.id).sort((x, y) => x - y);
    expect(kept).toEqual(registered.map(({ deviceId }) => deviceId).sort((x, y) => x - y));
  });

  it('rate-limits registrations', async () => {
    const cat = await env.accounts.register('cat');
    let code: string | null = null;
    for (let i = 0; i < 45 && code === null; i++) {
      ({ code } = await failureWithDetails(cat.client.push.registerDevice.mutate(webpush())).catch(() => ({ code: null })));
    }
    expect(code).toBe('RATE_LIMITED');
  });

  it('removes a session’s devices when it logs out or is revoked', async () => {
    const phone = await secondSession(ann);
    const laptop = await secondSession(ann);
    const onPhone = await phone.push.registerDevice.mutate(webpush());
    const onLaptop = await laptop.push.registerDevice.mutate(webpush());
    const mine = await ann.client.push.registerDevice.mutate(webpush());
    const seen = await ann.client.push.devices.query();
    expect(seen.map((device) => [device.id, device.current])).toEqual([
      [onPhone.deviceId, false],
      [onLaptop.deviceId, false],
      [mine.deviceId, true],
    ]);

    await phone.auth.logout.mutate();
    expect((await ann.client.push.devices.query()).map((device) => device.id)).toEqual([onLaptop.deviceId, mine.deviceId]);

    const sessions = await ann.client.auth.sessions.list.query();
    const laptopSession = await laptop.auth.sessions.list.query().then((list) => list.find((session) => session.current));
    expect(sessions.find((session) => session.id === laptopSession?.id)).toBeDefined();
    await ann.client.auth.sessions.revoke.mutate({ sessionId: laptopSession!.id });
    expect((await ann.client.push.devices.query()).map((device) => device.id)).toEqual([mine.deviceId]);
  });
});

describe('push devices in production mode', () => {
  it('refuses endpoints on loopback unless private networks are allowed', async () => {
    const strict = await startMailedTestServer({ push: { vapid: testVapidKeys(), allowPrivateNetworks: false } });
    try {
      const dee = await strict.accounts.register('dee');
      const error = await failureWithDetails(dee.client.push.registerDevice.mutate(webpush()));
      expect(error.code).toBe('BAD_INPUT');
      const named = fake.subscription();
      const localhost = { ...named, endpoint: named.endpoint.replace('127.0.0.1', 'localhost') };
      expect(await failure(dee.client.push.registerDevice.mutate(webpush(localhost)))).toBe('BAD_INPUT');
    } finally {
      await strict.stop();
    }
  });

  it('turns Web Push off without VAPID keys', async () => {
    const off = await startMailedTestServer({ push: { vapid: null } });
    try {
      const eve = await off.accounts.register('eve');
      expect(await failure(off.accounts.anon().push.vapidPublicKey.query())).toBe('UNAVAILABLE');
      expect(await failureWithDetails(eve.client.push.registerDevice.mutate(webpush()))).toEqual({ code: 'UNAVAILABLE', details: { kind: 'webpush' } });
    } finally {
      await off.stop();
    }
  });
});
