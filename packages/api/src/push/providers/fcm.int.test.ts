import { generateKeyPairSync } from 'node:crypto';
import type { TPushDeviceRow } from '@chorus/db';
import { createShiftableClock, startFakeFcm, type FakeFcm } from '@chorus/testing';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushDelivery, PushOutcome } from '../provider';
import { createFcmProvider, parseFcmServiceAccount } from './fcm';

const TOKEN = 'fcm-registration-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const device = (token = TOKEN): TPushDeviceRow => ({
  id: 1,
  userId: 1,
  sessionId: 's'.repeat(24),
  kind: 'fcm',
  fingerprint: '0'.repeat(64),
  endpoint: null,
  p256dh: null,
  auth: null,
  token,
  topic: null,
  createdAt: new Date(),
});
const delivery: PushDelivery = {
  payload: { type: 'message', conversationId: 42, messageId: 7, title: 'Ada', body: 'Secret words', url: '/c/42' },
  ttlSeconds: 3600,
  urgency: 'normal',
  collapseKey: 'conversation:42',
  badge: 3,
};

let fake: FakeFcm;
const clock = createShiftableClock();
beforeAll(async () => {
  fake = await startFakeFcm({ clock });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.messages.length = 0;
  fake.issuedTokens.length = 0;
});

const provider = (overrides: Partial<Parameters<typeof createFcmProvider>[0]> = {}) =>
  createFcmProvider({ serviceAccount: parseFcmServiceAccount(fake.serviceAccountJson), endpoint: fake.url, clock, ...overrides });

/** No outcome may carry the device token or the notification text. */
function expectClean(outcome: PushOutcome) {
  const text = JSON.stringify(outcome);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('Secret words');
}

describe('FCM HTTP v1 sender against a local FCM', () => {
  it('sends the message in FCM v1 shape and reuses one access token', async () => {
    const fcm = provider();
    const outcome = await fcm.send(device(), delivery);
    expect(outcome.outcome === 'sent' && outcome.id).toMatch(/^projects\/chorus-test\/messages\//);
    await fcm.send(device(), { ...delivery, urgency: 'low', collapseKey: null, ttlSeconds: 0 });
    expect(fake.issuedTokens).toHaveLength(1);
    const [first, second] = fake.messages;
    const expiration = Number((first?.message.apns as { headers: Record<string, string> }).headers['apns-expiration']);
    expect(Math.abs(expiration - (Math.floor(clock.now().getTime() / 1000) + 3600))).toBeLessThanOrEqual(2);
    expect(first?.message).toEqual({
      token: TOKEN,
      notification: { title: 'Ada', body: 'Secret words' },
      data: { type: 'message', conversationId: '42', messageId: '7', url: '/c/42' },
      android: { collapse_key: 'conversation:42', ttl: '3600s', priority: 'high', notification: { notification_count: 3, tag: 'conversation:42' } },
      apns: {
        headers: { 'apns-priority': '10', 'apns-expiration': String(expiration), 'apns-collapse-id': 'conversation:42' },
        payload: { aps: { badge: 3 } },
      },
    });
    expect(second?.message).toMatchObject({
      android: { ttl: '0s', priority: 'normal', notification: { notification_count: 3 } },
      apns: { headers: { 'apns-priority': '5', 'apns-expiration': '0' } },
    });
    expect(second?.message.android).not.toHaveProperty('collapse_key');
  });

  it('shares one token exchange among concurrent sends and renews the token before it expires', async () => {
    const fcm = provider();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => fcm.send(device(), delivery)));
    expect(outcomes.every((outcome) => outcome.outcome === 'sent')).toBe(true);
    expect(fake.issuedTokens).toHaveLength(1);
    clock.advance(56 * 60_000);
    expect(await fcm.send(device(), delivery)).toMatchObject({ outcome: 'sent' });
    expect(fake.issuedTokens).toHaveLength(2);
    expect(fake.messages.at(-1)?.accessToken).toBe(fake.issuedTokens[1]);
  });

  it('renews the token once on a 401 and sends with the new one', async () => {
    const fcm = provider();
    await fcm.send(device(), delivery);
    fake.script({ kind: 'unauthenticated' });
    expect(await fcm.send(device(), delivery)).toMatchObject({ outcome: 'sent' });
    expect(fake.issuedTokens).toHaveLength(2);
    expect(fake.messages.map((m) => m.accessToken)).toEqual(fake.issuedTokens);
  });

  it('maps unregistered and invalid tokens to gone, quota and outages to retry with Retry-After, a bad message to rejected', async () => {
    const fcm = provider();
    const cases: [Parameters<FakeFcm['script']>[0], PushOutcome][] = [
      [{ kind: 'unregistered' }, { outcome: 'gone', reason: 'FCM 404 UNREGISTERED' }],
      [{ kind: 'invalid-token' }, { outcome: 'gone', reason: 'FCM 400 INVALID_ARGUMENT (registration token)' }],
      [
        { kind: 'quota', retryAfter: '7' },
        { outcome: 'retry', reason: 'FCM 429 QUOTA_EXCEEDED', retryAfterMs: 7000 },
      ],
      [{ kind: 'unavailable' }, { outcome: 'retry', reason: 'FCM 503 UNAVAILABLE', retryAfterMs: undefined }],
      [{ kind: 'message-too-big' }, { outcome: 'rejected', reason: 'FCM 400 INVALID_ARGUMENT (message)' }],
    ];
    for (const [answer, expected] of cases) {
      fake.script(answer);
      const outcome = await fcm.send(device(), delivery);
      expect(outcome).toEqual(expected);
      expectClean(outcome);
    }
    fake.script({ kind: 'unavailable', retryAfter: new Date(clock.now().getTime() + 30_000).toUTCString() });
    const dated = await fcm.send(device(), delivery);
    expect(dated.outcome === 'retry' && dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(fake.messages).toHaveLength(0);
  });

  it('treats refused credentials as a configuration problem: retried and logged, never deleting devices', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    fake.script({ kind: 'sender-id-mismatch' });
    const mismatch = await provider({ logger }).send(device(), delivery);
    expect(mismatch).toEqual({ outcome: 'retry', reason: 'FCM 403 SENDER_ID_MISMATCH' });

    // A key Google does not know: the assertion's signature is refused at the token endpoint.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = parseFcmServiceAccount(JSON.stringify({ ...fake.serviceAccount, private_key: other }));
    const refused = await provider({ serviceAccount: forged, logger }).send(device(), delivery);
    expect(refused).toEqual({ outcome: 'retry', reason: 'FCM token exchange failed: HTTP 400 invalid_grant' });
    expect(lines.join('')).toContain('FCM refused the credentials');
    expect(lines.join('')).not.toContain(other.slice(40, 80));
    expect(fake.messages).toHaveLength(0);
  });

  it('retries when FCM cannot be reached', async () => {
    const fcm = createFcmProvider({
      serviceAccount: parseFcmServiceAccount(JSON.stringify({ ...fake.serviceAccount, token_uri: 'http://127.0.0.1:9/token' })),
      endpoint: fake.url,
      timeoutMs: 2000,
    });
    const outcome = await fcm.send(device(), delivery);
    expect(outcome.outcome === 'retry' && outcome.reason).toMatch(/^FCM token exchange failed: /);
    expectClean(outcome);
  });

  it('gives up on an FCM that does not answer within the timeout', async () => {
    const fcm = provider({ timeoutMs: 500 });
    await fcm.send(device(), delivery);
    fake.script({ kind: 'hang' });
    expect(await fcm.send(device(), delivery)).toEqual({ outcome: 'retry', reason: 'FCM request failed: TimeoutError' });
    expect(await fcm.send(device(), delivery)).toMatchObject({ outcome: 'sent' });
  });
});

describe('service account parsing', () => {
  it('names what is wrong without repeating the secret', () => {
    const account = JSON.parse(JSON.stringify(fakeAccount())) as Record<string, string>;
    expect(() => parseFcmServiceAccount('{not json')).toThrow('is not valid JSON');
    expect(() => parseFcmServiceAccount('[]')).toThrow('is not a JSON object');
    expect(() => parseFcmServiceAccount(JSON.stringify({ ...account, project_id: '' }))).toThrow('has no "project_id"');
    expect(() => parseFcmServiceAccount(JSON.stringify({ ...account, type: 'authorized_user' }))).toThrow('is not a service account key');
    const broken = JSON.stringify({ ...account, private_key: account.private_key?.replace(/[A-Za-z]{20}/, 'x') });
    const error = (() => {
      try {
        parseFcmServiceAccount(broken);
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toBe('has a "private_key" that is not a PEM private key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseFcmServiceAccount(JSON.stringify({ ...account, private_key: ec }))).toThrow('is not an RSA key');
    expect(() => parseFcmServiceAccount(JSON.stringify({ ...account, token_uri: 'http://oauth.example.com/token' }))).toThrow(
      '"token_uri" must be an https URL',
    );
    expect(parseFcmServiceAccount(JSON.stringify(account))).toMatchObject({ projectId: 'chorus-test', tokenUri: `${fake.url}/token` });
  });
});

const fakeAccount = () => fake.serviceAccount;
