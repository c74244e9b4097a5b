import { generateKeyPairSync } from 'node:crypto';
import type { TPushDeviceRow } from '@chorus/db';
import { createShiftableClock, startFakeApns, type FakeApns, type FakeApnsReason } from '@chorus/testing';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushDelivery, PushOutcome } from '../provider';
import { createApnsProvider, parseApnsKey, type ApnsProviderOptions } from './apns';

const TOKEN = 'a1'.repeat(32);
let fake: FakeApns;
const clock = createShiftableClock();
const device = (token = TOKEN, topic = fake.topic): TPushDeviceRow => ({
  id: 1,
  userId: 1,
  sessionId: 's'.repeat(24),
  kind: 'apns',
  fingerprint: '0'.repeat(64),
  endpoint: null,
  p256dh: null,
  auth: null,
  token,
  topic,
  createdAt: new Date(),
});
const delivery: PushDelivery = {
  payload: { type: 'mention', conversationId: 42, messageId: 7, title: 'Ada in #general', body: 'Secret words', url: '/c/42' },
  ttlSeconds: 3600,
  urgency: 'normal',
  collapseKey: 'conversation:42',
  badge: 5,
};

beforeAll(async () => {
  fake = await startFakeApns({ clock });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.pushes.length = 0;
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((provider) => provider.close()));
});
function provider(overrides: Partial<ApnsProviderOptions> = {}) {
  const apns = createApnsProvider({ key: parseApnsKey(fake.key), keyId: fake.keyId, teamId: fake.teamId, endpoint: fake.url, clock, ...overrides });
  open.push(apns);
  return apns;
}

function expectClean(outcome: PushOutcome) {
  expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  expect(JSON.stringify(outcome)).not.toContain('Secret words');
}

describe('APNs sender against a local APNs over HTTP/2', () => {
  it('sends alert pushes with Apple headers over one session and one cached provider token', async () => {
    const sessionsBefore = fake.sessionCount();
    const apns = provider();
    const outcome = await apns.send(device(), delivery);
    expect(outcome.outcome === 'sent' && outcome.id).toMatch(/^[0-9a-f-]{36}$/);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => apns.send(device(), { ...delivery, urgency: 'low', collapseKey: null, ttlSeconds: 0 })));
    expect(outcomes.every((o) => o.outcome === 'sent')).toBe(true);
    expect(fake.sessionCount() - sessionsBefore).toBe(1);
    expect(new Set(fake.pushes.map((push) => push.jwt)).size).toBe(1);

    const [first, quiet] = fake.pushes;
    expect(first?.headers).toMatchObject({ 'apns-topic': fake.topic, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': 'conversation:42' });
    const expiration = Number(first?.headers['apns-expiration']);
    expect(Math.abs(expiration - (Math.floor(clock.now().getTime() / 1000) + 3600))).toBeLessThanOrEqual(2);
    expect(first?.payload).toEqual({
      aps: { alert: { title: 'Ada in #general', body: 'Secret words' }, badge: 5, sound: 'default', 'thread-id': '42' },
      type: 'mention',
      conversationId: 42,
      messageId: 7,
      url: '/c/42',
    });
    expect(quiet?.headers).toMatchObject({ 'apns-priority': '5', 'apns-expiration': '0' });
    expect(quiet?.headers).not.toHaveProperty('apns-collapse-id');
    expect(quiet?.payload.aps).not.toHaveProperty('sound');
  });

  it('queues a burst on a fresh connection that APNs allows one stream at first', async () => {
    const sessionsBefore = fake.sessionCount();
    const apns = provider();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => apns.send(device(), delivery)));
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(6).fill('sent'));
    expect(fake.sessionCount() - sessionsBefore).toBe(1);
  });

  it('keeps collapse ids within 64 bytes and cuts long text instead of being refused', async () => {
    const apns = provider();
    const outcome = await apns.send(device(), {
      ...delivery,
      collapseKey: `conversation:${'會'.repeat(40)}`,
      payload: { ...delivery.payload, body: 'x'.repeat(5000) },
    });
    expect(outcome.outcome).toBe('sent');
    const push = fake.pushes[0];
    expect(Buffer.byteLength(String(push?.headers['apns-collapse-id']))).toBeLessThanOrEqual(64);
    expect((push?.payload.aps.alert as { body: string }).body.length).toBeLessThan(1000);
  });

  it('renews the provider token after its lifetime and when APNs says it expired', async () => {
    const apns = provider();
    await apns.send(device(), delivery);
    clock.advance(46 * 60_000);
    await apns.send(device(), delivery);
    const [before, renewed] = fake.pushes.map((push) => push.jwt);
    expect(renewed).not.toBe(before);

    // APNs judges the token expired before its time here (its clock ahead of ours): one renewal, sent.
    clock.advance(21 * 60_000);
    fake.script('ExpiredProviderToken');
    expect(await apns.send(device(), delivery)).toMatchObject({ outcome: 'sent' });
    const last = fake.pushes.at(-1)?.jwt;
    expect(last).not.toBe(renewed);
    expect(fake.requests.at(-2)).toEqual({ status: 403, reason: 'ExpiredProviderToken' });
  });

  it('maps gone devices, busy or failing service and bad pushes', async () => {
    const apns = provider();
    const cases: [FakeApnsReason, PushOutcome][] = [
      ['Unregistered', { outcome: 'gone', reason: 'APNs 410 Unregistered' }],
      ['BadDeviceToken', { outcome: 'gone', reason: 'APNs 400 BadDeviceToken' }],
      ['TooManyRequests', { outcome: 'retry', reason: 'APNs 429 TooManyRequests', retryAfterMs: undefined }],
      ['ServiceUnavailable', { outcome: 'retry', reason: 'APNs 503 ServiceUnavailable', retryAfterMs: undefined }],
      ['InternalServerError', { outcome: 'retry', reason: 'APNs 500 InternalServerError', retryAfterMs: undefined }],
      ['PayloadTooLarge', { outcome: 'rejected', reason: 'APNs 413 PayloadTooLarge' }],
    ];
    for (const [reason, expected] of cases) {
      fake.script(reason);
      const outcome = await apns.send(device(), delivery);
      expect(outcome).toEqual(expected);
      expectClean(outcome);
    }
    fake.script('TooManyRequests', { retryAfter: '9' });
    expect(await apns.send(device(), delivery)).toMatchObject({ outcome: 'retry', retryAfterMs: 9000 });
    expect(await apns.send(device(TOKEN, 'app.other.ios'), delivery)).toEqual({ outcome: 'gone', reason: 'APNs 400 DeviceTokenNotForTopic' });
    expect(await apns.send(device('not-a-device-token'), delivery)).toMatchObject({ outcome: 'gone' });
    expect(fake.pushes).toHaveLength(0);
  });

  it('treats a provider token APNs refuses as a configuration problem: retried and logged', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const outcome = await provider({ key: otherKey, logger }).send(device(), delivery);
    expect(outcome).toEqual({ outcome: 'retry', reason: 'APNs 403 InvalidProviderToken' });
    expect(lines.join('')).toContain('APNs refused the provider token');
  });

  it('reconnects after the service sends GOAWAY and closes the connection', async () => {
    const apns = provider();
    expect((await apns.send(device(), delivery)).outcome).toBe('sent');
    const sessions = fake.sessionCount();
    await fake.goAway();
    expect((await apns.send(device(), delivery)).outcome).toBe('sent');
    await fake.goAway();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await apns.send(device(), delivery)).outcome).toBe('sent');
    expect(fake.sessionCount()).toBe(sessions + 2);
    fake.dropConnections();
    expect((await apns.send(device(), delivery)).outcome).toBe('sent');
    expect(fake.sessionCount()).toBe(sessions + 3);
    expect(fake.pushes).toHaveLength(4);
  });

  it('gives up on a push APNs does not answer within the timeout and keeps the connection', async () => {
    const apns = provider({ timeoutMs: 500 });
    await apns.send(device(), delivery);
    const sessions = fake.sessionCount();
    fake.hangNext();
    expect(await apns.send(device(), delivery)).toEqual({ outcome: 'retry', reason: 'APNs request failed: timeout' });
    expect((await apns.send(device(), delivery)).outcome).toBe('sent');
    expect(fake.sessionCount()).toBe(sessions);
  });

  it('retries when APNs cannot be reached, and refuses to send after close', async () => {
    const unreachable = provider({ endpoint: 'https://127.0.0.1:9', timeoutMs: 2000 });
    const outcome = await unreachable.send(device(), delivery);
    expect(outcome).toEqual({ outcome: 'retry', reason: 'APNs request failed: Error ECONNREFUSED' });
    expectClean(outcome);

    const apns = provider();
    await apns.send(device(), delivery);
    await apns.close();
    expect(await apns.send(device(), delivery)).toEqual({ outcome: 'retry', reason: 'APNs sender closed' });
  });
});

describe('APNs key and ids', () => {
  it('reads a .p8 key, also with \\n escapes, and names what is wrong without repeating it', () => {
    expect(parseApnsKey(fake.key.replaceAll('\n', '\\n')).asymmetricKeyType).toBe('ec');
    expect(() => parseApnsKey('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(/^is not a PEM private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseApnsKey(rsa)).toThrow('is not a P-256 (ES256) key');
    const key = parseApnsKey(fake.key);
    expect(() => createApnsProvider({ key, keyId: 'abc', teamId: fake.teamId })).toThrow('key id must be 10');
    expect(() => createApnsProvider({ key, keyId: fake.keyId, teamId: 'team' })).toThrow('team id must be 10');
    expect(() => createApnsProvider({ key, keyId: fake.keyId, teamId: fake.teamId, endpoint: 'http://localhost:1' })).toThrow('must be an https URL');
  });
});
