// AI conversations end to end: the real openai SDK inside Chorus talks to a local fake
// provider that streams at a controlled pace; clients subscribe through the real client.
import { closeChorusClient, type AiStreamEvent, type ChorusClient } from '@chorus/client';
import {
  collectAiStream,
  collectEvents,
  createTestClient,
  createTestDatabase,
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let a: MailedTestServer;
let b: TestServer;
let fake: FakeOpenAi;
let ann: TestAccount;
let annOnB: ChorusClient;
let configId: number;

const ai = { heartbeatMs: 300, idleTimeoutMs: 2_000 };
const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index} `);
const textOf = (events: Array<{ data: AiStreamEvent }>) => events.map(({ data }) => (data.type === 'delta' ? data.text : '')).join('');

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url, ai });
  b = await startTestServer({ database, redisUrl: redis.url, ai });
  ann = await a.accounts.register('ann');
  annOnB = createTestClient(b.url, { token: ann.token });
  const config = await ann.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
  configId = config.id as number;
});
afterAll(async () => {
  await closeChorusClient(annOnB);
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([fake?.close(), redis?.stop(), database?.drop()]);
});

async function newConversation() {
  return ann.client.ai.conversations.create.mutate({ configId });
}

describe('ai chat streaming', () => {
  it('streams a whole answer and stores it', async () => {
    fake.enqueue({ tokens: words(20), tokensPerSecond: 200 });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'hello', clientId: 'c1' });
    const stream = collectAiStream(ann.client, sent.assistantMessageId);
    const done = await stream.waitFor((event) => event.type === 'done', 10_000);
    await stream.ended;
    expect(textOf(stream.received)).toBe(words(20).join(''));
    expect(done).toMatchObject({ type: 'done', text: words(20).join(''), finishReason: 'stop' });
    const page = await ann.client.ai.conversations.messages.query({ conversationId: conversation.id });
    expect(page.items.map((message) => [message.role, message.status, message.content])).toEqual([
      ['assistant', 'complete', words(20).join('')],
      ['user', 'complete', 'hello'],
    ]);
  });
});
