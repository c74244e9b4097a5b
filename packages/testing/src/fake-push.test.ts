// The push fakes refuse what the real services refuse: a fake that accepted anything would let a
// broken sender pass its tests.
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { connect } from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeApns } from './fake-apns';
import { startFakeFcm } from './fake-fcm';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function jwt(alg: 'RS256' | 'ES256', header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

const fcm = await startFakeFcm();
const apns = await startFakeApns();
afterAll(async () => {
  await Promise.all([fcm.stop(), apns.stop()]);
});

describe('fake FCM', () => {
  const account = fcm.serviceAccount as Record<'private_key' | 'client_email' | 'token_uri' | 'private_key_id', string>;
  const claims = () => ({
    iss: account.client_email,
    scope: 'https://www.googleapis.com/auth/firebase.messaging',
    aud: account.token_uri,
    iat: now(),
    exp: now() + 3600,
  });
  const exchange = async (assertion: string, grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer') => {
    const response = await fetch(account.token_uri, { method: 'POST', body: new URLSearchParams({ grant_type: grant, assertion }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const key = createPrivateKey(account.private_key);

  it('issues a bearer only for an assertion signed by the service account with the right claims', async () => {
    expect((await exchange(jwt('RS256', { kid: account.private_key_id }, claims(), key))).body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await exchange(jwt('RS256', {}, claims(), stranger))).body).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange(jwt('RS256', {}, { ...claims(), aud: 'https://elsewhere/token' }, key))).status).toBe(400);
    expect((await exchange(jwt('RS256', {}, { ...claims(), exp: now() + 7200 }, key))).status).toBe(400);
    expect((await exchange(jwt('RS256', {}, { ...claims(), scope: 'https://www.googleapis.com/auth/cloud-platform.read-only' }, key))).status).toBe(400);
    expect((await exchange(jwt('RS256', {}, claims(), key), 'client_credentials')).body).toEqual({ error: 'unsupported_grant_type' });
  });

  it('refuses sends without a valid bearer, and messages FCM would refuse, naming the field', async () => {
    const { body } = await exchange(jwt('RS256', {}, claims(), key));
    const send = async (message: unknown, bearer = String(body.access_token)) => {
      const response = await fetch(`${fcm.url}/v1/projects/${fcm.projectId}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { status: string; details: { fieldViolations?: { field: string }[] }[] } } };
    };
    expect((await send({ token: 't' }, 'ya29.forged')).status).toBe(401);
    const fields = async (message: unknown) => (await send(message)).body.error?.details[0]?.fieldViolations?.map((violation) => violation.field);
    expect(await fields({ token: 't', data: { count: 3 } })).toEqual(['message.data[count].value']);
    expect(await fields({ token: 't', android: { ttl: '60' } })).toEqual(['message.android.ttl']);
    expect(await fields({ token: 't', android: { priority: 'urgent' } })).toEqual(['message.android.priority']);
    expect(await fields({ token: 't', notification: { title: 1 } })).toEqual(['message.notification.title']);
    expect(await fields({ notification: { title: 'x' } })).toEqual(['message']);
    expect(await send({ token: 't', notification: { title: 'x', body: 'y' }, data: { type: 'message' }, android: { ttl: '3600s' } })).toMatchObject({
      status: 200,
    });
  });
});

describe('fake APNs', () => {
  const key = createPrivateKey(apns.key);
  const token = 'ab'.repeat(32);
  async function push(headers: Record<string, string>, path = `/3/device/${token}`, body = '{"aps":{"alert":"hi"}}') {
    const session = connect(apns.url);
    try {
      return await new Promise<{ status: number; reason?: string }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': path, ...headers });
        let status = 0;
        let text = '';
        stream.on('response', (received) => (status = Number(received[':status'])));
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => resolve({ status, ...(text ? { reason: (JSON.parse(text) as { reason: string }).reason } : {}) }));
        stream.on('error', reject);
        stream.end(body);
      });
    } finally {
      session.close();
    }
  }
  const bearer = (header: Record<string, unknown> = { kid: apns.keyId }, claims: Record<string, unknown> = { iss: apns.teamId, iat: now() }, signer = key) =>
    `bearer ${jwt('ES256', header, claims, signer)}`;
  const good = () => ({ authorization: bearer(), 'apns-topic': apns.topic, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-expiration': '0' });

  it('accepts a well-formed push and refuses provider tokens APNs would refuse', async () => {
    expect(await push(good())).toEqual({ status: 200 });
    expect(await push({ ...good(), authorization: bearer({ kid: 'ZZZZZZZZZZ' }) })).toEqual({ status: 403, reason: 'InvalidProviderToken' });
    expect(await push({ ...good(), authorization: bearer(undefined, { iss: apns.teamId, iat: now() - 3700 }) })).toEqual({
      status: 403,
      reason: 'ExpiredProviderToken',
    });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(await push({ ...good(), authorization: bearer(undefined, undefined, stranger) })).toEqual({ status: 403, reason: 'InvalidProviderToken' });
    const { authorization: _, ...unsigned } = good();
    expect(await push(unsigned)).toEqual({ status: 403, reason: 'MissingProviderToken' });
  });

  it('refuses bad device tokens and headers with the reasons APNs uses', async () => {
    expect(await push(good(), '/3/device/not-hex')).toEqual({ status: 400, reason: 'BadDeviceToken' });
    expect(await push({ ...good(), 'apns-topic': 'app.other' })).toEqual({ status: 400, reason: 'DeviceTokenNotForTopic' });
    expect(await push({ ...good(), 'apns-push-type': 'banner' })).toEqual({ status: 400, reason: 'InvalidPushType' });
    expect(await push({ ...good(), 'apns-priority': '7' })).toEqual({ status: 400, reason: 'BadPriority' });
    expect(await push({ ...good(), 'apns-expiration': 'soon' })).toEqual({ status: 400, reason: 'BadExpirationDate' });
    expect(await push({ ...good(), 'apns-collapse-id': 'c'.repeat(65) })).toEqual({ status: 400, reason: 'BadCollapseId' });
    expect(await push(good(), undefined, '{"alert":"no aps"}')).toEqual({ status: 400, reason: 'BadPayload' });
  });
});
