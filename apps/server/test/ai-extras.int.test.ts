// The AI features around chat: reply suggestions for chats, generated images served to their
// owner only, daily token usage, and conversation management.
import { appCodeOf, type AiStreamEvent, type ChorusClient } from '@chorus/client';
import {
  chorusError,
  collectAiStream,
  failure,
  startFakeOpenAi,
  startMailedTestServer,
  type FakeOpenAi,
  type FakeOpenAiReply,
  type FakeOpenAiRequest,
  type MailedTestServer,
  type TestAccount,
  isTitleRequest,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let fake: FakeOpenAi;
let clientIds = 0;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const systemOf = (request: FakeOpenAiRequest): string => request.body?.messages?.[0]?.content ?? '';
const isSuggestion = (request: FakeOpenAiRequest) => request.path.endsWith('/chat/completions') && systemOf(request).startsWith('Suggest three short replies');
const isTitle = isTitleRequest;
let suggestionReply: FakeOpenAiReply = { tokens: ['["Sure!", "Sounds good", "See you at 8"]'] };

beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.respondWith((request) => (isSuggestion(request) ? suggestionReply : isTitle(request) ? { tokens: ['Generated title'] } : undefined));
  a = await startMailedTestServer({ ai: { heartbeatMs: 300 }, appConfig: { rateLimits: { aiRequestsPerUser: { points: 1000, seconds: 60 } } } });
});
afterAll(async () => {
  await a?.stop();
  await fake?.close();
});

async function withConfig(
  name: string,
  options: { apiKey?: string; params?: Record<string, unknown> } = {},
): Promise<{ account: TestAccount; configId: number }> {
  const account = await a.accounts.register(name);
  const config = await account.client.ai.configs.create.mutate({
    label: 'fake',
    baseUrl: fake.url,
    model: 'fake-model',
    apiKey: options.apiKey ?? fake.apiKey,
    params: options.params ?? {},
    isDefault: true,
  });
  return { account, configId: config.id as number };
}

async function answer(client: ChorusClient, conversationId: number, content: string, tokens = ['an answer']): Promise<AiStreamEvent> {
  fake.enqueue({ tokens });
  const sent = await client.ai.chat.send.mutate({ conversationId, content, clientId: `c${++clientIds}` });
  const stream = collectAiStream(client, sent.assistantMessageId);
  const final = await stream.waitFor((event) => event.type === 'done' || event.type === 'error', 10_000);
  stream.stop();
  return final;
}

describe('ai.suggestReplies', () => {
  it('suggests three replies from the chat, for members with a provider only', async () => {
    const { account: ann } = await withConfig('ann');
    const ben = await a.accounts.register('ben');
    const { account: cat } = await withConfig('cat');
    const { account: dan } = await withConfig('dan', { apiKey: 'sk-dan-wrong-secret-42' });
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'dinner', memberIds: [ben.id, dan.id] });
    const say = (who: TestAccount, text: string) => who.client.chat.send.mutate({ conversationId, clientId: `m${++clientIds}`, kind: 'text', text });
    await say(ann, 'Dinner tonight?');
    await say(ben, 'Yes! Where shall we meet?');
    await say(ben, 'The usual place at 8?');

    const before = fake.requests.length;
    const { suggestions } = await ann.client.ai.suggestReplies.mutate({ conversationId });
    expect(suggestions).toEqual(['Sure!', 'Sounds good', 'See you at 8']);
    const request = fake.requests.slice(before).find(isSuggestion)!;
    expect(request.apiKey).toBe(fake.apiKey);
    const transcript = request.body?.messages?.[1]?.content;
    expect(transcript).toBe('Me: Dinner tonight?\nben: Yes! Where shall we meet?\nben: The usual place at 8?');

    suggestionReply = { tokens: ['- Great\n- On my way\n- Can we do 9?\n- extra'] };
    expect((await ann.client.ai.suggestReplies.mutate({ conversationId })).suggestions).toEqual(['Great', 'On my way', 'Can we do 9?']);

    const quiet = await ann.client.chat.createGroup.mutate({ name: 'quiet', memberIds: [ben.id] });
    const requestsBefore = fake.requests.length;
    expect(await ann.client.ai.suggestReplies.mutate({ conversationId: quiet.conversationId })).toEqual({ suggestions: [] });
    expect(fake.requests.length).toBe(requestsBefore);

    expect(await failure(cat.client.ai.suggestReplies.mutate({ conversationId }))).toBe('NOT_FOUND');
    expect(await failure(ben.client.ai.suggestReplies.mutate({ conversationId }))).toBe('AI_NOT_CONFIGURED');

    const refused = await chorusError(dan.client.ai.suggestReplies.mutate({ conversationId }));
    expect(appCodeOf(refused)).toBe('AI_PROVIDER_ERROR');
    expect(refused.data?.details).toEqual({ reason: 'provider_auth' });
    expect(JSON.stringify({ message: refused.message, data: refused.data })).not.toMatch(/sk-dan|Incorrect API key/);

    suggestionReply = { failStatus: 401 };
    const failed = await chorusError(ann.client.ai.suggestReplies.mutate({ conversationId }));
    expect(appCodeOf(failed)).toBe('AI_PROVIDER_ERROR');
    expect(failed.data?.details).toEqual({ reason: 'provider_auth' });
    expect(failed.message).not.toContain(fake.apiKey);
  });
});

describe('ai.images.generate', () => {
  it('stores the image and serves it to its owner only', async () => {
    const { account: ida } = await withConfig('ida', { params: { imageModel: 'fake-image-model' } });
    const other = await a.accounts.register('ivo');
    const image = await ida.client.ai.images.generate.mutate({ prompt: 'a red fox', size: '256x256' });
    expect(image).toMatchObject({ id: expect.any(Number) as number, mimeType: 'image/png', size: '256x256' });
    expect(image.url).toBe(`/ai/images/${image.id}`);
    const request = fake.requests.filter((candidate) => candidate.path.endsWith('/images/generations')).at(-1)!;
    expect(request.body).toMatchObject({ model: 'fake-image-model', prompt: 'a red fox', size: '256x256' });

    const get = (token?: string) => fetch(`${a.server.url}${image.url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const owned = await get(ida.token);
    expect(owned.status).toBe(200);
    expect(owned.headers.get('content-type')).toBe('image/png');
    // Shown inline by the app; opened on its own, a sandboxed image viewer that may load nothing.
    expect(owned.headers.get('content-disposition')).toBe(`inline; filename="image-${image.id}.png"; filename*=UTF-8''image-${image.id}.png`);
    expect(owned.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
    expect(owned.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = new Uint8Array(await owned.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect((await get(other.token)).status).toBe(404);
    expect((await get()).status).toBe(404);
    expect((await fetch(`${a.server.url}/ai/images/${image.id + 1000}`, { headers: { authorization: `Bearer ${ida.token}` } })).status).toBe(404);

    fake.imageFailStatus = 401;
    try {
      const refused = await chorusError(ida.client.ai.images.generate.mutate({ prompt: 'another fox', size: '256x256' }));
      expect(appCodeOf(refused)).toBe('AI_PROVIDER_ERROR');
      expect(refused.data?.details).toEqual({ reason: 'provider_auth' });
    } finally {
      fake.imageFailStatus = undefined;
    }
    expect(await failure(other.client.ai.images.generate.mutate({ prompt: 'no provider' }))).toBe('AI_NOT_CONFIGURED');
  });
});

describe('ai.usage', () => {
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  it('sums the tokens of the answers per day', async () => {
    const { account: eve, configId } = await withConfig('eve');
    const conversation = await eve.client.ai.conversations.create.mutate({ configId, title: 'no title requests' });
    expect(await answer(eve.client, conversation.id, 'first question', ['one', ' two', ' three'])).toMatchObject({ type: 'done' });
    expect(await answer(eve.client, conversation.id, 'second question, a bit longer', ['four'])).toMatchObject({ type: 'done' });
    const { items } = await eve.client.ai.conversations.messages.query({ conversationId: conversation.id });
    const usages = items.filter((message) => message.role === 'assistant').map((message) => message.usage!);
    expect(usages).toHaveLength(2);
    expect(usages.map((usage) => usage.completionTokens)).toEqual([1, 3]);
    const sum = (key: 'promptTokens' | 'completionTokens') => usages.reduce((total, usage) => total + usage[key], 0);

    const report = await eve.client.ai.usage.query({ from: day(-1), to: day(1) });
    expect(report.totals).toEqual({ requests: 2, promptTokens: sum('promptTokens'), completionTokens: sum('completionTokens') });
    expect(report.totals.promptTokens).toBeGreaterThan(0);
    expect(report.days).toEqual([{ day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as string, ...report.totals }]);
    const today = report.days[0]!.day;
    expect(await eve.client.ai.usage.query({ from: today, to: today })).toEqual(report);
    expect(await eve.client.ai.usage.query({ from: '2020-01-01', to: '2020-12-31' })).toEqual({
      days: [],
      totals: { requests: 0, promptTokens: 0, completionTokens: 0 },
    });
    const stranger = await a.accounts.register('eli');
    expect((await stranger.client.ai.usage.query({ from: today, to: today })).totals.requests).toBe(0);
  });

  it('refuses ranges over 366 days and reversed ranges', async () => {
    const { account } = await withConfig('una');
    await expect(account.client.ai.usage.query({ from: '2024-01-01', to: '2024-12-31' })).resolves.toMatchObject({ days: [] });
    expect(await failure(account.client.ai.usage.query({ from: '2024-01-01', to: '2025-01-01' }))).toBe('BAD_INPUT');
    expect(await failure(account.client.ai.usage.query({ from: '2024-03-02', to: '2024-03-01' }))).toBe('BAD_INPUT');
    expect(await failure(account.client.ai.usage.query({ from: '2024-1-01', to: '2024-03-01' }))).toBe('BAD_INPUT');
  });
});

describe('ai.conversations', () => {
  it('lists by last activity with limit and offset; rename, reset and delete', async () => {
    const { account: fay, configId } = await withConfig('fay');
    const api = fay.client.ai.conversations;
    const one = await api.create.mutate({ configId, title: 'one' });
    const two = await api.create.mutate({ configId, title: 'two' });
    const three = await api.create.mutate({ configId, title: 'three' });
    const ids = async (input: { limit?: number; offset?: number } = {}) => (await api.list.query(input)).items.map((item) => item.id);
    expect(await ids()).toEqual([three.id, two.id, one.id]);
    expect(await answer(fay.client, one.id, 'bring one to the top')).toMatchObject({ type: 'done' });
    expect(await ids()).toEqual([one.id, three.id, two.id]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([three.id]);
    expect(await ids({ limit: 2, offset: 2 })).toEqual([two.id]);
    expect((await api.list.query({ limit: 1 })).total).toBe(3);

    expect(await api.rename.mutate({ conversationId: two.id, title: '  Renamed  ' })).toMatchObject({ id: two.id, title: 'Renamed' });
    const reset = await api.reset.mutate({ conversationId: one.id });
    expect(reset).toMatchObject({ id: one.id, title: 'one', configId });
    expect((await api.messages.query({ conversationId: one.id })).items).toEqual([]);
    expect(await ids()).toContain(one.id);

    await api.delete.mutate({ conversationId: two.id });
    expect(await ids()).toEqual([one.id, three.id]);
    expect((await api.list.query({})).total).toBe(2);
    expect(await failure(api.messages.query({ conversationId: two.id }))).toBe('NOT_FOUND');
    expect(await failure(api.rename.mutate({ conversationId: two.id, title: 'gone' }))).toBe('NOT_FOUND');

    const stranger = await a.accounts.register('gus');
    expect(await failure(stranger.client.ai.conversations.messages.query({ conversationId: one.id }))).toBe('NOT_FOUND');
    expect(await failure(stranger.client.ai.conversations.rename.mutate({ conversationId: one.id, title: 'mine' }))).toBe('NOT_FOUND');
    expect(await failure(stranger.client.ai.conversations.delete.mutate({ conversationId: one.id }))).toBe('NOT_FOUND');
    expect(await failure(stranger.client.ai.conversations.reset.mutate({ conversationId: one.id }))).toBe('NOT_FOUND');
    expect(await ids()).toEqual([one.id, three.id]);
    expect((await api.list.query({})).total).toBe(2);
  });

  it('a title chosen while the first answer streams is never replaced by a generated one', async () => {
    const { account: hal, configId } = await withConfig('hal');
    const api = hal.client.ai.conversations;
    const control = await api.create.mutate({ configId });
    expect(await answer(hal.client, control.id, 'untitled')).toMatchObject({ type: 'done' });
    await expect.poll(async () => (await api.list.query({})).items.find((item) => item.id === control.id)?.title, { timeout: 5_000 }).toBe('Generated title');

    const named = await api.create.mutate({ configId });
    fake.enqueue({ tokens: ['slow', ' answer', ' here'], tokensPerSecond: 5 });
    const sent = await hal.client.ai.chat.send.mutate({ conversationId: named.id, content: 'name me', clientId: `c${++clientIds}` });
    await api.rename.mutate({ conversationId: named.id, title: 'Mine' });
    const stream = collectAiStream(hal.client, sent.assistantMessageId);
    await stream.waitFor((event) => event.type === 'done', 10_000);
    const titleRequests = () => fake.requests.filter((request) => isTitle(request) && request.body?.messages?.[1]?.content.includes('name me'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(titleRequests()).toHaveLength(0);
    expect((await api.list.query({})).items.find((item) => item.id === named.id)?.title).toBe('Mine');
  });
});
