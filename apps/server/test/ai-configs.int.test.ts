// AI provider configs end to end: keys sealed at rest and shown only as their last four
// characters, updates that keep or replace the key, the typed config test against a local fake
// provider, system providers, and deleting a config in use (key rotation: ai-key-rotation.int.test.ts).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyRing } from '@chorus/api';
import { closeChorusClient, type ChorusClient, type RouterInputs } from '@chorus/client';
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
import { sql } from 'drizzle-orm';
import { dump, rows } from './sealed-rows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let fake: FakeOpenAi;
let a: MailedTestServer;
let b: TestServer;
let house: TestServer;
let ann: TestAccount;
const clients: ChorusClient[] = [];
const cleanups: Array<() => Promise<void>> = [];

// Both instances must open what the other sealed; version 3 proves the version is not hard-coded.
const keyRing: KeyRing = { current: 3, keys: new Map([[3, randomBytes(32)]]) };
const ai = { keyRing, heartbeatMs: 300, idleTimeoutMs: 2_000 };
const houseProvider = (url: string, apiKey: string) => ({ id: 'house', label: 'House', baseUrl: url, model: 'fake-model', apiKey, params: {} });

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url, ai });
  b = await startTestServer({ database, redisUrl: redis.url, ai });
  house = await startTestServer({ database, redisUrl: redis.url, ai: { ...ai, systemProviders: [houseProvider(fake.url, fake.apiKey)] } });
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await Promise.allSettled([a?.stop(), b?.stop(), house?.stop()]);
  await Promise.allSettled([fake?.close(), redis?.stop(), database?.drop()]);
});

function clientOn(url: string, account: TestAccount): ChorusClient {
  const client = createTestClient(url, { token: account.token });
  clients.push(client);
  return client;
}

/** A port on 127.0.0.1 where nothing listens any more. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

const secret = (prefix: string) => `${prefix}-${randomBytes(16).toString('hex')}`;

describe('ai configs', () => {
  it('stores the key sealed and never returns more than its last four characters', async () => {
    const key = secret('sk-live');
    const annOnB = clientOn(b.url, ann);
    const created = await ann.client.ai.configs.create.mutate({
      label: 'mine',
      baseUrl: `${fake.url}/`,
      model: 'fake-model',
      apiKey: key,
      params: { temperature: 0.5 },
    });
    expect(created).toMatchObject({
      kind: 'user',
      label: 'mine',
      baseUrl: fake.url,
      model: 'fake-model',
      apiKeyLast4: key.slice(-4),
      params: { temperature: 0.5 },
    });
    const listed = await annOnB.ai.configs.list.query();
    expect(listed.find((config) => config.id === created.id)).toMatchObject({ apiKeyLast4: key.slice(-4), kind: 'user' });
    const renamed = await annOnB.ai.configs.update.mutate({ id: created.id as number, label: 'renamed' });
    const newKey = secret('sk-next');
    const rekeyed = await ann.client.ai.configs.update.mutate({ id: created.id as number, apiKey: newKey });
    expect(rekeyed.apiKeyLast4).toBe(newKey.slice(-4));
    for (const response of [created, listed, renamed, rekeyed]) {
      for (const plain of [key, newKey, key.slice(0, -4), newKey.slice(0, -4)]) expect(JSON.stringify(response)).not.toContain(plain);
    }

    const [row] = await rows(database.db, sql`SELECT * FROM ai_configs WHERE id = ${created.id}`);
    expect(row).toMatchObject({ api_key_last4: newKey.slice(-4), api_key_version: 3 });
    const stored = dump(await rows(database.db, sql`SELECT * FROM ai_configs`));
    for (const plain of [key, newKey]) {
      expect(stored).not.toContain(plain);
      expect(stored).not.toContain(Buffer.from(plain).toString('base64'));
      expect(stored).not.toContain(Buffer.from(plain).toString('hex'));
    }
    // And what is stored really is the key, sealed for its owner only.
    const sealed = { ciphertext: String(row!.api_key_sealed), keyVersion: Number(row!.api_key_version) };
    expect(a.server.deps.ai.vault.open(sealed, `ai-config:${ann.id}`)).toBe(newKey);
    expect(() => a.server.deps.ai.vault.open(sealed, `ai-config:${ann.id + 1}`)).toThrow();
  });

  it('keeps the key when an update omits it, and tells each failure of the config test apart', async () => {
    const annOnB = clientOn(b.url, ann);
    const config = await ann.client.ai.configs.create.mutate({ label: 'probe', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
    const id = config.id as number;
    const test = async () => (await annOnB.ai.configs.test.mutate({ id })).result;
    expect(await test()).toBe('ok');

    const relabelled = await ann.client.ai.configs.update.mutate({ id, label: 'probe 2', params: { temperature: 1 } });
    expect(relabelled).toMatchObject({
      label: 'probe 2',
      baseUrl: fake.url,
      model: 'fake-model',
      apiKeyLast4: fake.apiKey.slice(-4),
      params: { temperature: 1 },
    });
    expect(await test()).toBe('ok');
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', apiKey: fake.apiKey, body: { model: 'fake-model' } });

    const wrong = secret('sk-wrong');
    await ann.client.ai.configs.update.mutate({ id, apiKey: wrong });
    expect(await test()).toBe('bad_key');
    expect(fake.requests.at(-1)?.apiKey).toBe(wrong);

    await ann.client.ai.configs.update.mutate({ id, apiKey: fake.apiKey, model: 'no-such-model' });
    expect(await test()).toBe('model_not_found');

    const requestsBefore = fake.requests.length;
    await ann.client.ai.configs.update.mutate({ id, model: 'fake-model', baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
    expect(await test()).toBe('unreachable');
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('offers system providers to every user without their address or key', async () => {
    const sam = await a.accounts.register('sam');
    const samOnHouse = clientOn(house.url, sam);
    const listed = await samOnHouse.ai.configs.list.query();
    expect(listed).toEqual([
      {
        id: 'system:house',
        kind: 'system',
        label: 'House',
        baseUrl: null,
        model: 'fake-model',
        apiKeyLast4: null,
        params: {},
        isDefault: false,
        createdAt: null,
        updatedAt: null,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(fake.apiKey);
    expect(JSON.stringify(listed)).not.toContain(fake.url);

    const conversation = await samOnHouse.ai.conversations.create.mutate({ configId: 'system:house' });
    expect(conversation.configId).toBe('system:house');
    fake.enqueue({ tokens: ['house', ' answer'] });
    const sent = await samOnHouse.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hi', clientId: 'h1' });
    const stream = collectAiStream(samOnHouse, sent.assistantMessageId);
    expect(await stream.waitFor((event) => event.type === 'done', 10_000)).toMatchObject({ type: 'done', text: 'house answer' });
    await stream.ended;
    expect(fake.requests.find((request) => request.body?.messages?.at(-1)?.content === 'hi')?.apiKey).toBe(fake.apiKey);

    expect(await failure(samOnHouse.ai.conversations.create.mutate({ configId: 'system:nope' }))).toBe('NOT_FOUND');
    expect(await failure(samOnHouse.ai.chat.send.mutate({ conversationId: conversation.id, content: 'again', clientId: 'h2', configId: 'system:nope' }))).toBe(
      'NOT_FOUND',
    );
  });

  it('tests a system provider by the id the list gives, as it tests a config of the caller', async () => {
    const tia = await a.accounts.register('tia');
    const tiaOnHouse = clientOn(house.url, tia);
    const [system] = await tiaOnHouse.ai.configs.list.query();
    // The id type that list (and create) return is the one test takes: no cast.
    const id: RouterInputs['ai']['configs']['test']['id'] = system!.id;
    expect(id).toBe('system:house');
    const requestsBefore = fake.requests.length;
    expect(await tiaOnHouse.ai.configs.test.mutate({ id })).toMatchObject({ result: 'ok', latencyMs: expect.any(Number) as number });
    expect(fake.requests.length).toBe(requestsBefore + 1);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', apiKey: fake.apiKey, body: { model: 'fake-model', max_tokens: 1 } });

    // What the server does not offer is not found; a malformed id is bad input; neither calls out.
    expect(await failure(tiaOnHouse.ai.configs.test.mutate({ id: 'system:nope' }))).toBe('NOT_FOUND');
    expect(await failure(clientOn(b.url, tia).ai.configs.test.mutate({ id: 'system:house' }))).toBe('NOT_FOUND');
    expect(await failure(tiaOnHouse.ai.configs.test.mutate({ id: 'house' as `system:${string}` }))).toBe('BAD_INPUT');
    expect(fake.requests.length).toBe(requestsBefore + 1);
  });

  it('deletes a config; conversations that used it stay, and fall back to the default provider', async () => {
    const dee = await a.accounts.register('dee');
    const keep = await dee.client.ai.configs.create.mutate({ label: 'keep', baseUrl: fake.url, model: 'fake-image-model', apiKey: fake.apiKey });
    const gone = await dee.client.ai.configs.create.mutate({ label: 'gone', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
    const id = gone.id as number;
    const conversation = await dee.client.ai.conversations.create.mutate({ configId: id, title: 'uses gone' });
    expect(conversation.configId).toBe(id);

    expect(await dee.client.ai.configs.delete.mutate({ id })).toEqual({ ok: true });
    expect((await dee.client.ai.configs.list.query()).map((config) => config.id)).toEqual([keep.id]);
    expect(await rows(database.db, sql`SELECT id FROM ai_configs WHERE id = ${id}`)).toEqual([]);
    expect(await failure(dee.client.ai.configs.test.mutate({ id }))).toBe('NOT_FOUND');
    expect(await failure(dee.client.ai.configs.delete.mutate({ id }))).toBe('NOT_FOUND');
    const { items } = await dee.client.ai.conversations.list.query({});
    expect(items.find((item) => item.id === conversation.id)).toMatchObject({ title: 'uses gone', configId: null });

    const sent = await dee.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'still there?', clientId: 'd1' });
    const stream = collectAiStream(dee.client, sent.assistantMessageId);
    await stream.waitFor((event) => event.type === 'done', 10_000);
    const page = await dee.client.ai.conversations.messages.query({ conversationId: conversation.id });
    expect(page.items[0]).toMatchObject({ role: 'assistant', status: 'complete', model: 'fake-image-model' });
  });
});
