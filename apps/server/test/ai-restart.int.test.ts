// An answer whose server process goes away mid-generation: killed outright, or stopped for a
// restart. The text it streamed is not lost: a subscriber on another instance gets it and a
// typed `interrupted` end, and the stored message holds the partial answer.
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  collectAiStream,
  createTestClient,
  createTestDatabase,
  startFakeOpenAi,
  startMailedTestServer,
  startTestRedis,
  type FakeOpenAi,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  fakeWords,
  streamedText,
} from '@chorus/testing';
import { spawnServerProcess, type ServerProcess } from './server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let fake: FakeOpenAi;
let b: MailedTestServer;
let ann: TestAccount;
const spawned: ServerProcess[] = [];
const clients: ChorusClient[] = [];

const words = fakeWords;
const textOf = streamedText;

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  b = await startMailedTestServer({ database, redisUrl: redis.url });
  ann = await b.accounts.register('ann');
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  await Promise.allSettled(spawned.map((server) => server.stop()));
  await Promise.allSettled([b?.stop(), fake?.close(), redis?.stop(), database?.drop()]);
});

/** A server process (production mode) whose users may point providers at loopback. */
async function processA(): Promise<{ server: ServerProcess; client: ChorusClient }> {
  const server = await spawnServerProcess({ DATABASE_URL: database.url, REDIS_URL: redis.url, AI_ALLOW_PRIVATE_NETWORKS: 'true', SHUTDOWN_TIMEOUT_MS: '2000' });
  spawned.push(server);
  const client = createTestClient(server.url, { token: ann.token });
  clients.push(client);
  return { server, client };
}

/** Starts a slow answer on A and waits until some of it has streamed. */
async function answerUnderWay(client: ChorusClient, clientId: string) {
  fake.enqueue({ tokens: words(400), tokensPerSecond: 40 });
  const config = await client.ai.configs.create.mutate({ label: clientId, baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
  const conversation = await client.ai.conversations.create.mutate({ configId: config.id, title: 'restart' });
  const sent = await client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'go on', clientId });
  const watcher = collectAiStream(client, sent.assistantMessageId);
  await watcher.waitFor((event) => event.type === 'delta' && event.text.includes('w5 '), 10_000);
  return { sent, conversation, watcher };
}

describe('an answer outlives its server process', () => {
  it('is stored as interrupted with its text when the server shuts down for a restart', async () => {
    const { server, client } = await processA();
    const { sent, conversation, watcher } = await answerUnderWay(client, 'restart-1');
    await server.stop();
    const seen = textOf(watcher.received);
    const resumed = collectAiStream(ann.client, sent.assistantMessageId, watcher.lastId());
    const end = await resumed.waitFor((event) => event.type === 'error', 10_000);
    expect(end).toMatchObject({ code: 'interrupted' });
    const stored = (await ann.client.ai.conversations.messages.query({ conversationId: conversation.id })).items[0];
    expect(stored).toMatchObject({ id: sent.assistantMessageId, status: 'failed', errorCode: 'interrupted' });
    expect(seen + textOf(resumed.received)).toBe(stored?.content);
    expect(words(400).join('').startsWith(stored!.content)).toBe(true);
    expect(stored!.content.length).toBeGreaterThanOrEqual(seen.length);
  });

  it('is ended by a subscriber on another instance when its server process is killed', async () => {
    const { server, client } = await processA();
    const { sent, conversation, watcher } = await answerUnderWay(client, 'killed-1');
    server.child.kill('SIGKILL');
    await server.exited;
    const seen = textOf(watcher.received);
    const resumed = collectAiStream(ann.client, sent.assistantMessageId, watcher.lastId());
    // The dead process's heartbeat lapses (3 × 5 s at most), then the subscriber ends it.
    const end = await resumed.waitFor((event) => event.type === 'error', 30_000);
    expect(end).toMatchObject({ code: 'interrupted' });
    const stored = (await ann.client.ai.conversations.messages.query({ conversationId: conversation.id })).items[0];
    expect(stored).toMatchObject({ status: 'failed', errorCode: 'interrupted' });
    expect(seen + textOf(resumed.received)).toBe(stored?.content);
    expect(stored!.content.length).toBeGreaterThan(0);
  }, 60_000);
});
