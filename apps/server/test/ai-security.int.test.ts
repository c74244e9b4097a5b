// AI security end to end: provider URLs are checked against the egress policy (SSRF), API keys
// never reach a log line, a stream event or a stored message, another user's configs and
// conversations are unreachable, and guests cannot add providers.
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '@chorus/api';
import { appCodeOf, closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  collectAiStream,
  createTestClient,
  createTestDatabase,
  failure,
  startFakeOpenAi,
  startMailedTestServer,
  startTestRedis,
  startTestServer,
  type FakeOpenAi,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestServer,
} from '@chorus/testing';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let fake: FakeOpenAi;
let a: MailedTestServer;
let b: TestServer;
let strict: TestServer;
const logs: string[] = [];
const clients: ChorusClient[] = [];

const keyRing: KeyRing = { current: 1, keys: new Map([[1, randomBytes(32)]]) };
const ai = { keyRing, heartbeatMs: 300, idleTimeoutMs: 2_000 };

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url, ai, captureLogs: logs });
  b = await startTestServer({ database, redisUrl: redis.url, ai, captureLogs: logs });
  // The production policy: no loopback or private networks.
  strict = await startTestServer({ database, redisUrl: redis.url, ai: { ...ai, egress: { allowPrivateNetworks: false } }, captureLogs: logs });
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  await Promise.allSettled([a?.stop(), b?.stop(), strict?.stop()]);
  await Promise.allSettled([fake?.close(), redis?.stop(), database?.drop()]);
});

function clientOn(server: { url: string }, token: string): ChorusClient {
  const client = createTestClient(server.url, { token });
  clients.push(client);
  return client;
}

async function dump(query: SQL): Promise<string> {
  const [result] = await database.db.execute(query);
  const cell = (value: unknown) =>
    Buffer.isBuffer(value)
      ? `${value.toString('utf8')} ${value.toString('base64')}`
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value)
          : String(value);
  return (result as unknown as Array<Record<string, unknown>>).map((row) => Object.values(row).map(cell).join(' | ')).join('\n');
}

const config = (baseUrl: string, apiKey = fake.apiKey) => ({ label: 'p', baseUrl, model: 'fake-model', apiKey });

describe('provider URLs (SSRF)', () => {
  it('refuses metadata, link-local and non-http URLs always, private networks unless allowed', async () => {
    const ann = await a.accounts.register('ann');
    const refusedEverywhere = [
      'http://169.254.169.254/v1',
      'ftp://x',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/v1',
      'http://2852039166/latest', // 169.254.169.254 in decimal
      'http://169.254.10.10/v1',
      'http://metadata.google.internal/v1',
      'http://[fd00:ec2::254]/',
      'file:///etc/passwd',
      'http://user:pass@127.0.0.1/v1',
    ];
    for (const baseUrl of refusedEverywhere) {
      expect([baseUrl, await failure(ann.client.ai.configs.create.mutate(config(baseUrl)))]).toEqual([baseUrl, 'BAD_INPUT']);
    }
    const annStrict = clientOn(strict, ann.token);
    const loopback = fake.url; // http://127.0.0.1:<port>/v1
    const port = new URL(loopback).port;
    for (const baseUrl of [loopback, `http://localhost:${port}/v1`, 'http://10.0.0.1/v1', 'http://192.168.1.20/v1', `http://[::1]:${port}/v1`]) {
      expect([baseUrl, await failure(annStrict.ai.configs.create.mutate(config(baseUrl)))]).toEqual([baseUrl, 'BAD_INPUT']);
    }
    // The test servers allow loopback, as a development setup would.
    const allowed = await ann.client.ai.configs.create.mutate(config(loopback));
    expect(allowed.baseUrl).toBe(loopback);
    expect(await failure(ann.client.ai.configs.update.mutate({ id: allowed.id as number, baseUrl: 'http://169.254.169.254/' }))).toBe('BAD_INPUT');
    expect(await failure(annStrict.ai.configs.update.mutate({ id: allowed.id as number, baseUrl: 'http://10.1.2.3/' }))).toBe('BAD_INPUT');
    expect((await ann.client.ai.configs.list.query()).map((item) => item.baseUrl)).toEqual([loopback]);

    // A stored URL is checked again at connect time: the strict server never reaches it.
    const requestsBefore = fake.requests.length;
    expect((await annStrict.ai.configs.test.mutate({ id: allowed.id })).result).toBe('unreachable');
    expect(fake.requests.length).toBe(requestsBefore);
    expect((await ann.client.ai.configs.test.mutate({ id: allowed.id })).result).toBe('ok');
  });
});

describe('API keys', () => {
  it('never appear in logs, stream events or stored messages, even when the provider echoes them', async () => {
    const eve = await a.accounts.register('eve');
    const eveOnB = clientOn(b, eve.token);
    const good = await eve.client.ai.configs.create.mutate(config(fake.url));
    const ok = await eve.client.ai.conversations.create.mutate({ configId: good.id });
    const sentOk = await eve.client.ai.chat.send.mutate({ conversationId: ok.id, content: 'hello', clientId: 'k1' });
    await collectAiStream(eveOnB, sentOk.assistantMessageId).waitFor((event) => event.type === 'done', 10_000);
    expect((await eveOnB.ai.configs.test.mutate({ id: good.id })).result).toBe('ok');

    const wrong = `sk-wrong-${randomBytes(16).toString('hex')}`;
    const bad = await eve.client.ai.configs.create.mutate(config(fake.url, wrong));
    const conversation = await eve.client.ai.conversations.create.mutate({ configId: bad.id });
    const sent = await eve.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hello?', clientId: 'k2' });
    const stream = collectAiStream(eveOnB, sent.assistantMessageId);
    const error = await stream.waitFor((event) => event.type === 'error', 10_000);
    expect(error).toMatchObject({ type: 'error', code: 'provider_auth' });
    expect((await eveOnB.ai.configs.test.mutate({ id: bad.id })).result).toBe('bad_key');
    // The provider did get the wrong key, and echoed it back.
    expect(fake.requests.filter((request) => request.apiKey === wrong).length).toBeGreaterThanOrEqual(2);

    // Refused inputs do not echo the key back either.
    const refusals = await Promise.all([
      eve.client.ai.configs.create.mutate({ ...config(fake.url, wrong), label: '' }).catch((e: unknown) => e),
      eve.client.ai.configs.create.mutate(config('http://169.254.169.254/v1', wrong)).catch((e: unknown) => e),
      eve.client.ai.configs.update.mutate({ id: 999_999, apiKey: wrong }).catch((e: unknown) => e),
    ]);
    expect(refusals.map(appCodeOf)).toEqual(['BAD_INPUT', 'BAD_INPUT', 'NOT_FOUND']);
    const refused = JSON.stringify(
      refusals.map((e) => ({ message: (e as Error).message, data: (e as { data?: unknown }).data, shape: (e as { shape?: unknown }).shape })),
    );

    const secrets = [fake.apiKey, wrong, wrong.slice(-8), fake.apiKey.slice(-8)];
    // The failures were logged (so capture works), just without the secrets.
    expect(logs.some((line) => line.includes('ai generation failed') && line.includes('provider_auth'))).toBe(true);
    expect(logs.some((line) => line.includes('ai config test failed'))).toBe(true);
    const stored = `${await dump(sql`SELECT * FROM ai_messages`)}\n${await dump(sql`SELECT * FROM ai_configs`)}`;
    const page = await eve.client.ai.conversations.messages.query({ conversationId: conversation.id });
    expect(page.items[0]).toMatchObject({ role: 'assistant', status: 'failed', errorCode: 'provider_auth' });
    for (const plain of secrets) {
      expect(logs.filter((line) => line.includes(plain))).toEqual([]);
      expect(JSON.stringify(stream.received)).not.toContain(plain);
      expect(JSON.stringify(page)).not.toContain(plain);
      expect(stored).not.toContain(plain);
      expect(refused).not.toContain(plain);
    }
  });
});

describe('ownership', () => {
  let ann: TestAccount;
  let bob: TestAccount;
  beforeAll(async () => {
    [ann, bob] = await Promise.all([a.accounts.register('owner'), a.accounts.register('other')]);
  });

  it("keeps another user's configs and conversations out of reach", async () => {
    const annConfig = await ann.client.ai.configs.create.mutate(config(fake.url));
    const configId = annConfig.id as number;
    const conversation = await ann.client.ai.conversations.create.mutate({ configId, title: 'private' });
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'secret plans', clientId: 'o1' });
    await collectAiStream(ann.client, sent.assistantMessageId).waitFor((event) => event.type === 'done', 10_000);
    const requestsBefore = fake.requests.length;

    for (const bobClient of [bob.client, clientOn(b, bob.token)]) {
      const bobConversation = await bobClient.ai.conversations.create.mutate({});
      const attempts: Record<string, () => Promise<unknown>> = {
        'configs.update': () => bobClient.ai.configs.update.mutate({ id: configId, label: 'mine now' }),
        'configs.delete': () => bobClient.ai.configs.delete.mutate({ id: configId }),
        'configs.test': () => bobClient.ai.configs.test.mutate({ id: configId }),
        'conversations.create': () => bobClient.ai.conversations.create.mutate({ configId }),
        'chat.send with config': () => bobClient.ai.chat.send.mutate({ conversationId: bobConversation.id, content: 'hi', clientId: 'b1', configId }),
        'conversations.messages': () => bobClient.ai.conversations.messages.query({ conversationId: conversation.id }),
        'conversations.rename': () => bobClient.ai.conversations.rename.mutate({ conversationId: conversation.id, title: 'hacked' }),
        'conversations.delete': () => bobClient.ai.conversations.delete.mutate({ conversationId: conversation.id }),
        'conversations.reset': () => bobClient.ai.conversations.reset.mutate({ conversationId: conversation.id }),
        'chat.send': () => bobClient.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hi', clientId: 'b2' }),
        'chat.stop': () => bobClient.ai.chat.stop.mutate({ assistantMessageId: sent.assistantMessageId }),
        'chat.regenerate': () => bobClient.ai.chat.regenerate.mutate({ assistantMessageId: sent.assistantMessageId }),
        'images.generate': () => bobClient.ai.images.generate.mutate({ prompt: 'a cat', configId }),
      };
      for (const [name, attempt] of Object.entries(attempts)) expect([name, await failure(attempt())]).toEqual([name, 'NOT_FOUND']);
      const stream = collectAiStream(bobClient, sent.assistantMessageId);
      await stream.ended;
      expect(stream.received).toEqual([]);
      expect(appCodeOf(stream.errors[0])).toBe('NOT_FOUND');
      expect((await bobClient.ai.configs.list.query()).map((item) => item.id)).not.toContain(configId);
      // Bob has no provider of his own: Ann's is not his default either.
      expect(await failure(bobClient.ai.chat.send.mutate({ conversationId: bobConversation.id, content: 'hi', clientId: 'b3' }))).toBe('AI_NOT_CONFIGURED');
    }

    // Nothing of Ann's changed, and her key was never used for Bob.
    expect(fake.requests.length).toBe(requestsBefore);
    expect((await ann.client.ai.configs.list.query()).find((item) => item.id === configId)).toMatchObject({ label: 'p' });
    const { items } = await ann.client.ai.conversations.list.query({});
    expect(items.find((item) => item.id === conversation.id)).toMatchObject({ title: 'private', configId });
    const page = await ann.client.ai.conversations.messages.query({ conversationId: conversation.id });
    expect(page.items.map((message) => [message.id, message.status])).toEqual([
      [sent.assistantMessageId, 'complete'],
      [sent.userMessageId, 'complete'],
    ]);
  });

  it('lets guests use AI but not add providers', async () => {
    const guest = await a.accounts.anon().auth.guest.mutate();
    const client = clientOn(a.server, guest.token);
    expect(await failure(client.ai.configs.create.mutate(config(fake.url)))).toBe('ACCOUNT_REQUIRED');
    expect(await failure(client.ai.configs.update.mutate({ id: 1, apiKey: fake.apiKey }))).toBe('ACCOUNT_REQUIRED');
    expect(await failure(client.ai.configs.test.mutate({ id: 1 }))).toBe('ACCOUNT_REQUIRED');
    expect(await failure(client.ai.configs.delete.mutate({ id: 1 }))).toBe('ACCOUNT_REQUIRED');
    expect(await client.ai.configs.list.query()).toEqual([]);
    const [count] = (await database.db.execute(sql`SELECT COUNT(*) AS n FROM ai_configs WHERE user_id = ${guest.user.id}`))[0] as unknown as Array<{
      n: number;
    }>;
    expect(Number(count?.n)).toBe(0);
  });
});
