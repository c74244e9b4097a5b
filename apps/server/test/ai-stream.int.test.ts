// AI conversations end to end: the real openai SDK inside Chorus talks to a local fake
// provider that streams at a controlled pace; clients subscribe through the real client.
import { appCodeOf, closeChorusClient, type ChorusClient } from '@chorus/client';
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
  type FakeOpenAiReply,
  type FakeOpenAiRequest,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestServer,
  fakeWords,
  streamedText,
  isTitleRequest,
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

const ai = { heartbeatMs: 300, idleTimeoutMs: 2_000, sendWaitMs: 1_500 };
const words = fakeWords;
/** Title requests get their own answer, so they never take a reply queued for a chat answer. */
const titlesAnswer = (reply: FakeOpenAiReply) => (request: FakeOpenAiRequest) => (isTitleRequest(request) ? reply : undefined);
const textOf = streamedText;

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  a = await startMailedTestServer({ database, redisUrl: redis.url, ai });
  b = await startTestServer({ database, redisUrl: redis.url, ai });
  ann = await a.accounts.register('ann');
  annOnB = createTestClient(b.url, { token: ann.token });
  const config = await ann.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
  configId = config.id as number;
  fake.respondWith(titlesAnswer({ tokens: ['A title'] }));
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

  it("batches a fast provider's tokens into deltas about every 30 ms, never repeating text", async () => {
    // 90 tokens 4 ms apart: about 360 ms of streaming, so about a dozen 30 ms batches.
    fake.enqueue({ tokens: words(90), tokensPerSecond: 250 });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'quickly', clientId: 'c-batch' });
    const stream = collectAiStream(ann.client, sent.assistantMessageId);
    await stream.waitFor((event) => event.type === 'done', 10_000);
    await stream.ended;
    const deltas = stream.received.filter(({ data }) => data.type === 'delta');
    expect(textOf(stream.received)).toBe(words(90).join(''));
    // One delta per token would be 90; one for the whole answer would mean no streaming at all.
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    expect(deltas.length).toBeLessThanOrEqual(30);
    // Ids grow with every event, so a reconnect resumes exactly after the last one seen.
    const ids = stream.received.map(({ id }) => Number(id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('finishes and stores an answer nobody watches', async () => {
    fake.enqueue({ tokens: words(10), tokensPerSecond: 200 });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'unwatched', clientId: 'c11' });
    const stored = async () =>
      (await ann.client.ai.conversations.messages.query({ conversationId: conversation.id })).items.find((item) => item.id === sent.assistantMessageId);
    await expect.poll(async () => (await stored())?.status, { timeout: 10_000 }).toBe('complete');
    expect((await stored())?.content).toBe(words(10).join(''));
  });

  it('gives a reconnecting subscriber the rest of the text exactly once', async () => {
    fake.enqueue({ tokens: words(40), tokensPerSecond: 100 });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'count', clientId: 'c2' });
    const first = collectAiStream(ann.client, sent.assistantMessageId);
    await first.waitFor((event) => event.type === 'delta' && event.text.includes('w5 '), 10_000);
    first.stop();
    const lastId = first.lastId()!;
    const resumed = collectAiStream(annOnB, sent.assistantMessageId, lastId);
    const done = await resumed.waitFor((event) => event.type === 'done', 10_000);
    expect(textOf(first.received) + textOf(resumed.received)).toBe(words(40).join(''));
    expect(done).toMatchObject({ text: words(40).join('') });
    expect(resumed.received.every((entry) => Number(entry.id) > Number(lastId))).toBe(true);
  });

  it('gives a late subscriber the text so far in one piece, then live text', async () => {
    fake.enqueue({ tokens: words(30), tokensPerSecond: 60 });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'late', clientId: 'c3' });
    const early = collectAiStream(ann.client, sent.assistantMessageId);
    await early.waitFor((event) => event.type === 'delta' && event.text.includes('w10 '), 10_000);
    const late = collectAiStream(annOnB, sent.assistantMessageId);
    await late.waitFor((event) => event.type === 'done', 10_000);
    const [opening] = late.received;
    expect(opening?.data.type).toBe('delta');
    expect(opening?.data.type === 'delta' && opening.data.text.startsWith('w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 ')).toBe(true);
    expect(late.received.length).toBeGreaterThan(2);
    expect(textOf(late.received)).toBe(words(30).join(''));
    await early.ended;
    expect(textOf(early.received)).toBe(words(30).join(''));
  });

  it('answers a subscriber that arrives after the end with the whole text', async () => {
    fake.enqueue({ tokens: words(5) });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'after', clientId: 'c4' });
    await collectAiStream(ann.client, sent.assistantMessageId).ended;
    const after = collectAiStream(annOnB, sent.assistantMessageId);
    await after.ended;
    expect(after.received.map((entry) => entry.data.type)).toEqual(['delta', 'done']);
    expect(textOf(after.received)).toBe(words(5).join(''));
  });

  it('streams by clientId to a subscriber that opened before the send, on another instance, exactly once', async () => {
    fake.enqueue({ tokens: words(30), tokensPerSecond: 300 });
    const conversation = await newConversation();
    const early = collectAiStream(annOnB, { conversationId: conversation.id, clientId: 'early' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'early bird', clientId: 'early' });
    const done = await early.waitFor((event) => event.type === 'done', 10_000);
    await early.ended;
    expect(textOf(early.received)).toBe(words(30).join(''));
    expect(done).toMatchObject({ messageId: sent.assistantMessageId });
    // Afterwards the same input finds the stored answer (the send's claim may be gone by then).
    const late = collectAiStream(ann.client, { conversationId: conversation.id, clientId: 'early' });
    await late.ended;
    expect(late.received.map((entry) => entry.data.type)).toEqual(['delta', 'done']);
    expect(textOf(late.received)).toBe(words(30).join(''));
    // Once the send's claim has expired, the stored messages say which answer it was.
    await a.server.deps.redis.del(`chorus:{c${conversation.id}}:ai-send:early`);
    const older = collectAiStream(annOnB, { conversationId: conversation.id, clientId: 'early' });
    await older.ended;
    expect(textOf(older.received)).toBe(words(30).join(''));
    // A retry of the send then answers the stored ids, and leaves no claim that would make a
    // stream by clientId wait for an answer that already exists.
    expect(await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'early bird', clientId: 'early' })).toEqual(sent);
    const afterRetry = collectAiStream(annOnB, { conversationId: conversation.id, clientId: 'early' });
    await afterRetry.ended;
    expect(textOf(afterRetry.received)).toBe(words(30).join(''));
  });

  it('by clientId: another user learns nothing, and a send that never comes ends with NOT_FOUND', async () => {
    const conversation = await newConversation();
    const bea = await a.accounts.register('bea_ai');
    const stranger = collectAiStream(bea.client, { conversationId: conversation.id, clientId: 'x' });
    await stranger.ended;
    expect(appCodeOf(stranger.errors[0])).toBe('NOT_FOUND');
    const started = performance.now();
    const never = collectAiStream(ann.client, { conversationId: conversation.id, clientId: 'never-sent' });
    await never.ended;
    expect(never.received).toEqual([]);
    expect(appCodeOf(never.errors[0])).toBe('NOT_FOUND');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('refuses a lastEventId beyond the answer', async () => {
    fake.enqueue({ tokens: words(3) });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'short', clientId: 'c10' });
    await collectAiStream(ann.client, sent.assistantMessageId).ended;
    const bogus = collectAiStream(ann.client, sent.assistantMessageId, '999');
    await bogus.ended;
    expect(bogus.received).toEqual([]);
    expect(appCodeOf(bogus.errors[0])).toBe('BAD_INPUT');
  });

  it('stops an answer from another instance and keeps the partial text', async () => {
    fake.enqueue({ tokens: words(200), tokensPerSecond: 50 });
    const abortedBefore = fake.aborted;
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'long', clientId: 'c5' });
    const stream = collectAiStream(ann.client, sent.assistantMessageId);
    await stream.waitFor((event) => event.type === 'delta' && event.text.includes('w3 '), 10_000);
    const stopped = await annOnB.ai.chat.stop.mutate({ assistantMessageId: sent.assistantMessageId });
    expect(stopped.status).toBe('stopped');
    expect(stopped.content.length).toBeGreaterThan(0);
    expect(words(200).join('').startsWith(stopped.content)).toBe(true);
    expect(stopped.content.length).toBeLessThan(words(200).join('').length);
    const done = await stream.waitFor((event) => event.type === 'done', 10_000);
    expect(done).toMatchObject({ finishReason: 'stopped', text: stopped.content });
    expect(textOf(stream.received)).toBe(stopped.content);
    await expect.poll(() => fake.aborted, { timeout: 5_000 }).toBeGreaterThan(abortedBefore);
    // Stopping again is harmless and tells the same story.
    expect((await ann.client.ai.chat.stop.mutate({ assistantMessageId: sent.assistantMessageId })).content).toBe(stopped.content);
  });

  it('regenerates the latest answer in place of the old one', async () => {
    fake.enqueue({ tokens: ['first'] }, { tokens: ['second'] });
    const conversation = await newConversation();
    const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'again', clientId: 'c6' });
    await collectAiStream(ann.client, sent.assistantMessageId).ended;
    const { assistantMessageId } = await ann.client.ai.chat.regenerate.mutate({ assistantMessageId: sent.assistantMessageId });
    expect(assistantMessageId).not.toBe(sent.assistantMessageId);
    const stream = collectAiStream(annOnB, assistantMessageId);
    await stream.ended;
    expect(textOf(stream.received)).toBe('second');
    const page = await ann.client.ai.conversations.messages.query({ conversationId: conversation.id });
    expect(page.items.map((message) => [message.id, message.content, message.replyToId])).toEqual([
      [assistantMessageId, 'second', sent.userMessageId],
      [sent.userMessageId, 'again', null],
    ]);
    const lastRequest = fake.requests.filter((request) => request.path.endsWith('/chat/completions') && request.body?.stream).at(-1);
    expect(lastRequest?.body?.messages).toEqual([{ role: 'user', content: 'again' }]);
  });

  it('titles a conversation after its first exchange and tells the user', async () => {
    const events = collectEvents(ann.client);
    fake.respondWith(titlesAnswer({ tokens: ['"Saluer', ' le monde."'] }));
    try {
      fake.enqueue({ tokens: ['Bonjour', ' à vous'] });
      const conversation = await newConversation();
      const sent = await ann.client.ai.chat.send.mutate({ conversationId: conversation.id, content: 'dis bonjour au monde', clientId: 'c7' });
      await collectAiStream(ann.client, sent.assistantMessageId).ended;
      const titled = await events.waitFor((event) => event.type === 'ai.title' && event.conversationId === conversation.id, 10_000);
      expect(titled).toMatchObject({ title: 'Saluer le monde' });
      const list = await ann.client.ai.conversations.list.query({});
      expect(list.items.find((item) => item.id === conversation.id)?.title).toBe('Saluer le monde');
      // The title is asked of the same provider, in the user's language, from the exchange itself.
      const request = fake.requests.filter(isTitleRequest).at(-1)!;
      const [system, exchange] = request.body?.messages ?? [];
      expect(request.body?.model).toBe('fake-model');
      expect(system?.content).toContain('in the language the user writes in');
      expect(exchange?.content).toContain('User: dis bonjour au monde');
      expect(exchange?.content).toContain('Assistant: Bonjour à vous');
    } finally {
      fake.respondWith(titlesAnswer({ tokens: ['A title'] }));
      events.stop();
    }
  });

  it('keeps a chat working when the title cannot be generated, and never retitles a named conversation', async () => {
    fake.respondWith(titlesAnswer({ failStatus: 500 }));
    try {
      fake.enqueue({ tokens: ['ok'] });
      const untitled = await newConversation();
      const sent = await ann.client.ai.chat.send.mutate({ conversationId: untitled.id, content: 'x', clientId: 'c8' });
      const stream = collectAiStream(ann.client, sent.assistantMessageId);
      await stream.ended;
      expect(stream.received.at(-1)?.data).toMatchObject({ type: 'done', text: 'ok' });
      const named = await ann.client.ai.conversations.create.mutate({ configId, title: 'Mine' });
      fake.enqueue({ tokens: ['fine'] });
      const second = await ann.client.ai.chat.send.mutate({ conversationId: named.id, content: 'y', clientId: 'c9' });
      await collectAiStream(ann.client, second.assistantMessageId).ended;
      const titleRequests = fake.requests.filter((request) => JSON.stringify(request.body?.messages ?? '').includes(`User: y`));
      expect(titleRequests).toHaveLength(0);
      const list = await ann.client.ai.conversations.list.query({});
      expect(list.items.find((item) => item.id === named.id)?.title).toBe('Mine');
      expect(list.items.find((item) => item.id === untitled.id)?.title).toBeNull();
    } finally {
      fake.respondWith(titlesAnswer({ tokens: ['A title'] }));
    }
  });
});
