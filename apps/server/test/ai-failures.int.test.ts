// AI generations that go wrong: provider failures become typed errors and stored failed
// answers, per-user limits refuse with RATE_LIMITED, context is trimmed, crashes are swept.
import { sweepInterruptedGenerations } from '@chorus/api';
import { appCodeOf, closeChorusClient, type AiStreamEvent, type ChorusClient } from '@chorus/client';
import { aiMessages } from '@chorus/db';
import {
  chorusError,
  collectAiStream,
  createTestClient,
  createTestDatabase,
  failure,
  startFakeOpenAi,
  startMailedTestServer,
  startTestRedis,
  startTestServer,
  type FakeOpenAi,
  type FakeOpenAiBody,
  type FakeOpenAiReply,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestServer,
  fakeWords,
} from '@chorus/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let a: MailedTestServer;
let fake: FakeOpenAi;
let clientIds = 0;

const ai = { heartbeatMs: 300, idleTimeoutMs: 1500, maxConcurrentPerUser: 2 };
const perMinute = (points: number) => ({ rateLimits: { aiRequestsPerUser: { points, seconds: 60 } } });
/** Replies chosen by the content of the last message sent upstream: tests never eat each other's queue. */
const replies = new Map<string, FakeOpenAiReply>();
const lastContentOf = (body: FakeOpenAiBody | null | undefined): string => body?.messages?.at(-1)?.content ?? '';
const chatRequests = (content: string) =>
  fake.requests.filter((request) => request.path.endsWith('/chat/completions') && lastContentOf(request.body) === content);

beforeAll(async () => {
  [database, redis, fake] = await Promise.all([createTestDatabase(), startTestRedis(), startFakeOpenAi()]);
  fake.respondWith((request) => replies.get(lastContentOf(request.body)));
  // The server's own sweep of interrupted generations runs at start only: the orphans below
  // are then found by the sweeps these tests run, not by a timer racing them.
  a = await startMailedTestServer({ database, redisUrl: redis.url, ai, appConfig: perMinute(1000), jobs: { aiSweepEveryMs: 3_600_000 } });
});
afterAll(async () => {
  await a?.stop();
  await Promise.allSettled([fake?.close(), redis?.stop(), database?.drop()]);
});

interface Chatter {
  account: TestAccount;
  configId: number;
}

async function chatter(name: string, apiKey = fake.apiKey, params: Record<string, unknown> = {}): Promise<Chatter> {
  const account = await a.accounts.register(name);
  const config = await account.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey, params });
  return { account, configId: config.id as number };
}

/** A titled conversation, so no title request ever reaches the fake. */
const conversationOf = (who: Chatter, client: ChorusClient = who.account.client) =>
  client.ai.conversations.create.mutate({ configId: who.configId, title: 'test' });

async function send(who: Chatter, conversationId: number, content: string, reply?: FakeOpenAiReply, client: ChorusClient = who.account.client) {
  if (reply) replies.set(content, reply);
  return client.ai.chat.send.mutate({ conversationId, content, clientId: `c${++clientIds}` });
}

async function finalEvent(client: ChorusClient, assistantMessageId: number, timeoutMs = 10_000): Promise<AiStreamEvent> {
  const stream = collectAiStream(client, assistantMessageId);
  const final = await stream.waitFor((event) => event.type === 'done' || event.type === 'error', timeoutMs);
  stream.stop();
  return final;
}

async function messagesOf(who: Chatter, conversationId: number) {
  return (await who.account.client.ai.conversations.messages.query({ conversationId })).items;
}

async function storedAnswer(who: Chatter, conversationId: number, id: number) {
  return (await messagesOf(who, conversationId)).find((message) => message.id === id);
}

describe('provider failures', () => {
  it('a refused key fails the answer as provider_auth, without the key or the upstream body', async () => {
    const secret = 'sk-wrong-secret-0123456789';
    const ann = await chatter('ann', secret);
    const conversation = await conversationOf(ann);
    const sent = await send(ann, conversation.id, 'hello with a bad key');
    const final = await finalEvent(ann.account.client, sent.assistantMessageId);
    expect(final).toMatchObject({ type: 'error', code: 'provider_auth', text: '', messageId: sent.assistantMessageId });
    expect(JSON.stringify(final)).not.toContain(secret);
    expect(JSON.stringify(final)).not.toContain('Incorrect API key');
    const stored = await storedAnswer(ann, conversation.id, sent.assistantMessageId);
    expect(stored).toMatchObject({ status: 'failed', errorCode: 'provider_auth', content: '', finishReason: 'error' });
  });

  it.each([
    [429, 'rate_limited'],
    [500, 'upstream'],
  ] as const)('HTTP %i becomes %s', async (status, code) => {
    const ben = await chatter(`ben${status}`);
    const conversation = await conversationOf(ben);
    const sent = await send(ben, conversation.id, `fail with ${status}`, { failStatus: status });
    expect(await finalEvent(ben.account.client, sent.assistantMessageId)).toMatchObject({ type: 'error', code, text: '' });
    expect(await storedAnswer(ben, conversation.id, sent.assistantMessageId)).toMatchObject({ status: 'failed', errorCode: code });
    expect(chatRequests(`fail with ${status}`)).toHaveLength(1); // no silent retries of a stream
  });

  it('a connection dropped mid-stream keeps the text received', async () => {
    const cid = await chatter('cid');
    const conversation = await conversationOf(cid);
    const sent = await send(cid, conversation.id, 'drop me', { tokens: fakeWords(20), tokensPerSecond: 100, dropAfter: 5 });
    const partial = fakeWords(5).join('');
    expect(await finalEvent(cid.account.client, sent.assistantMessageId)).toMatchObject({ type: 'error', code: 'upstream', text: partial });
    expect(await storedAnswer(cid, conversation.id, sent.assistantMessageId)).toMatchObject({ status: 'failed', errorCode: 'upstream', content: partial });
  });

  it.each([0, 3])('a provider that goes quiet after %i tokens times out, keeps the partial text and is aborted', async (hangAfter) => {
    const dee = await chatter(`dee${hangAfter}`);
    const conversation = await conversationOf(dee);
    const abortedBefore = fake.aborted;
    const started = Date.now();
    const sent = await send(dee, conversation.id, `hang after ${hangAfter}`, { tokens: fakeWords(10), hangAfter });
    const final = await finalEvent(dee.account.client, sent.assistantMessageId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(ai.idleTimeoutMs - 100);
    const partial = fakeWords(hangAfter).join('');
    expect(final).toMatchObject({ type: 'error', code: 'timeout', text: partial });
    expect(await storedAnswer(dee, conversation.id, sent.assistantMessageId)).toMatchObject({ status: 'failed', errorCode: 'timeout', content: partial });
    await expect.poll(() => fake.aborted, { timeout: 5_000 }).toBeGreaterThan(abortedBefore);
  });

  it('a slow but steady provider is never timed out, however long the answer takes', async () => {
    const dan = await chatter('dan');
    const conversation = await conversationOf(dan);
    const sent = await send(dan, conversation.id, 'slow and steady', { tokens: fakeWords(10), tokensPerSecond: 4 });
    expect(await finalEvent(dan.account.client, sent.assistantMessageId)).toMatchObject({ type: 'done', text: fakeWords(10).join('') });
  });
});

describe('per-user limits', () => {
  it('refuses a third concurrent generation with RATE_LIMITED and stores nothing for it', async () => {
    const eve = await chatter('eve');
    const conversation = await conversationOf(eve);
    const slow = { tokens: fakeWords(200), tokensPerSecond: 4 };
    const first = await send(eve, conversation.id, 'slow one', slow);
    const second = await send(eve, conversation.id, 'slow two', slow);
    const before = (await messagesOf(eve, conversation.id)).length;
    const refused = await chorusError(send(eve, conversation.id, 'third'));
    expect(appCodeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.data?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(await messagesOf(eve, conversation.id)).toHaveLength(before);
    expect(chatRequests('third')).toHaveLength(0);

    const stopped = await eve.account.client.ai.chat.stop.mutate({ assistantMessageId: first.assistantMessageId });
    expect(stopped.status).toBe('stopped');
    const fourth = await send(eve, conversation.id, 'after a stop', { tokens: ['fine'] });
    expect(await finalEvent(eve.account.client, fourth.assistantMessageId)).toMatchObject({ type: 'done', text: 'fine' });
    await eve.account.client.ai.chat.stop.mutate({ assistantMessageId: second.assistantMessageId });
  });

  it('refuses requests beyond aiRequestsPerUser with RATE_LIMITED and retryAfter', async () => {
    let limited: TestServer | undefined;
    let client: ChorusClient | undefined;
    try {
      limited = await startTestServer({ database, redisUrl: redis.url, ai, appConfig: perMinute(2) });
      // Without a shared key ring each instance seals keys its own way: the config is made on this one.
      const account = await a.accounts.register('fay');
      client = createTestClient(limited.url, { token: account.token });
      const config = await client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey });
      const fay: Chatter = { account, configId: config.id as number };
      const conversation = await conversationOf(fay, client);
      for (const content of ['rpm one', 'rpm two']) {
        const sent = await send(fay, conversation.id, content, { tokens: ['ok'] }, client);
        expect(await finalEvent(client, sent.assistantMessageId)).toMatchObject({ type: 'done' });
      }
      const refused = await chorusError(send(fay, conversation.id, 'rpm three', undefined, client));
      expect(appCodeOf(refused)).toBe('RATE_LIMITED');
      expect(refused.data?.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.data?.retryAfter).toBeLessThanOrEqual(60);
      expect(await messagesOf(fay, conversation.id)).toHaveLength(4);
    } finally {
      if (client) await closeChorusClient(client);
      await limited?.stop();
    }
  });
});

describe('context and retries', () => {
  it('trims the context to the budget: system prompt first, newest messages kept in order', async () => {
    const gus = await chatter('gus', fake.apiKey, { systemPrompt: 'SYS', contextTokens: 300, maxTokens: 50 });
    const conversation = await conversationOf(gus);
    const long = (index: number) => `message ${index}:${' lorem'.repeat(95)}`;
    for (let index = 1; index <= 4; index++) {
      const sent = await send(gus, conversation.id, long(index), { tokens: [`short ${index}`] });
      expect(await finalEvent(gus.account.client, sent.assistantMessageId)).toMatchObject({ type: 'done' });
    }
    const body = chatRequests(long(4))[0]!.body!;
    const history = (await messagesOf(gus, conversation.id))
      .reverse()
      .slice(0, -1)
      .map(({ role, content }) => ({ role, content }));
    const sent = body.messages!;
    expect(body.max_tokens).toBe(50);
    expect(sent[0]).toEqual({ role: 'system', content: 'SYS' });
    expect(sent.at(-1)).toEqual({ role: 'user', content: long(4) });
    const kept = sent.slice(1);
    expect(kept.length).toBeGreaterThan(1);
    expect(kept.length).toBeLessThan(history.length);
    expect(kept).toEqual(history.slice(-kept.length));
    expect(kept.some((message) => message.content === long(1))).toBe(false);
  });

  it('a send retried with the same clientId stores one message and calls the provider once', async () => {
    const hal = await chatter('hal');
    const conversation = await conversationOf(hal);
    replies.set('only once', { tokens: ['once'] });
    const input = { conversationId: conversation.id, content: 'only once', clientId: 'same-client-id' };
    const first = await hal.account.client.ai.chat.send.mutate(input);
    const again = await hal.account.client.ai.chat.send.mutate(input);
    expect(again).toEqual(first);
    expect(await finalEvent(hal.account.client, first.assistantMessageId)).toMatchObject({ type: 'done', text: 'once' });
    expect(await hal.account.client.ai.chat.send.mutate(input)).toEqual(first);
    const stored = await messagesOf(hal, conversation.id);
    expect(stored.map((message) => [message.id, message.role, message.content])).toEqual([
      [first.assistantMessageId, 'assistant', 'once'],
      [first.userMessageId, 'user', 'only once'],
    ]);
    expect(chatRequests('only once')).toHaveLength(1);
  });

  // Two inserts of the same clientId can deadlock in InnoDB: the loser must still get the first send's ids.
  it('concurrent retries of one send (same clientId) all get the same ids', async () => {
    const ida = await chatter('ida');
    const conversation = await conversationOf(ida);
    replies.set('raced', { tokens: ['raced answer'] });
    const input = { conversationId: conversation.id, content: 'raced', clientId: 'raced-client-id' };
    const raced = await Promise.all([0, 1].map(() => ida.account.client.ai.chat.send.mutate(input)));
    expect(raced[1]).toEqual(raced[0]);
    await finalEvent(ida.account.client, raced[0]!.assistantMessageId);
    expect(await messagesOf(ida, conversation.id)).toHaveLength(2);
    expect(chatRequests('raced')).toHaveLength(1);
  });

  it('regenerate refuses a running answer (GENERATION_RUNNING) and an older one (CONFLICT)', async () => {
    const ivy = await chatter('ivy');
    const conversation = await conversationOf(ivy);
    const older = await send(ivy, conversation.id, 'first question', { tokens: ['first answer'] });
    await finalEvent(ivy.account.client, older.assistantMessageId);
    const running = await send(ivy, conversation.id, 'second question', { tokens: fakeWords(200), tokensPerSecond: 4 });
    const regenerate = (assistantMessageId: number) => ivy.account.client.ai.chat.regenerate.mutate({ assistantMessageId });
    expect(await failure(regenerate(running.assistantMessageId))).toBe('GENERATION_RUNNING');
    expect(await failure(regenerate(older.assistantMessageId))).toBe('CONFLICT');
    await ivy.account.client.ai.chat.stop.mutate({ assistantMessageId: running.assistantMessageId });
    expect(await failure(regenerate(older.assistantMessageId))).toBe('CONFLICT');
    expect(await messagesOf(ivy, conversation.id)).toHaveLength(4);
  });
});

describe('a process that died mid-generation', () => {
  async function orphan(who: Chatter, conversationId: number, createdAt: Date): Promise<number> {
    const { db } = a.server.deps;
    const [question] = await db
      .insert(aiMessages)
      .values({ conversationId, role: 'user', content: 'orphaned', status: 'complete', clientId: `orphan${++clientIds}`, createdAt, completedAt: createdAt });
    const [answer] = await db
      .insert(aiMessages)
      .values({ conversationId, role: 'assistant', content: '', status: 'streaming', replyToId: question.insertId, model: 'fake-model', createdAt });
    return answer.insertId;
  }

  it('a subscriber notices the missing heartbeat and stores the answer as interrupted', async () => {
    const jo = await chatter('joe');
    const conversation = await conversationOf(jo);
    const id = await orphan(jo, conversation.id, new Date());
    const final = await finalEvent(jo.account.client, id, 5_000);
    expect(final).toMatchObject({ type: 'error', code: 'interrupted', messageId: id, text: '' });
    expect(await storedAnswer(jo, conversation.id, id)).toMatchObject({ status: 'failed', errorCode: 'interrupted' });
  });

  it('the sweeper finalizes old orphans with the text they logged, and leaves running ones alone', async () => {
    const kay = await chatter('kay');
    const conversation = await conversationOf(kay);
    const id = await orphan(kay, conversation.id, new Date(Date.now() - 60_000));
    await a.server.deps.ai.log.append(id, { t: 'delta', text: 'half an ans' });
    const running = await send(kay, conversation.id, 'still running', { tokens: fakeWords(200), tokensPerSecond: 4 });
    await fake.waitForRequest((request) => lastContentOf(request.body) === 'still running');
    await sleep(ai.heartbeatMs * 4); // older than the sweeper's cutoff, yet its heartbeat is alive
    expect(await sweepInterruptedGenerations(a.server.deps)).toBeGreaterThanOrEqual(1);
    expect(await storedAnswer(kay, conversation.id, id)).toMatchObject({ status: 'failed', errorCode: 'interrupted', content: 'half an ans' });
    expect(await finalEvent(kay.account.client, id)).toMatchObject({ type: 'error', code: 'interrupted', text: 'half an ans' });
    expect((await storedAnswer(kay, conversation.id, running.assistantMessageId))?.status).toBe('streaming');
    await kay.account.client.ai.chat.stop.mutate({ assistantMessageId: running.assistantMessageId });
  });
});
