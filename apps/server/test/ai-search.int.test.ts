// ai.conversations.search on the real engine: titles and finished messages of the caller's own
// AI conversations, with the same query syntax and snippets as chat.search.
import type { ChorusClient } from '@chorus/client';
import {
  collectAiStream,
  failure,
  startFakeOpenAi,
  startMailedTestServer,
  type FakeOpenAi,
  type MailedTestServer,
  type TestAccount,
  isTitleRequest,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let fake: FakeOpenAi;
let amy: TestAccount;
let bob: TestAccount;
let clientIds = 0;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.respondWith((request) => (isTitleRequest(request) ? { tokens: ['東京旅行の計画'] } : undefined));
  a = await startMailedTestServer({ appConfig: { rateLimits: { aiRequestsPerUser: { points: 1000, seconds: 60 } } } });
  [amy, bob] = await Promise.all([a.accounts.register('amy'), a.accounts.register('bob')]);
  for (const account of [amy, bob]) {
    await account.client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: 'fake-model', apiKey: fake.apiKey, params: {}, isDefault: true });
  }
});
afterAll(async () => {
  await a?.stop();
  await fake?.close();
});

/** Sends `content` and waits for the whole answer `tokens`. */
async function exchange(client: ChorusClient, conversationId: number, content: string, tokens: string[]): Promise<void> {
  fake.enqueue({ tokens });
  const sent = await client.ai.chat.send.mutate({ conversationId, content, clientId: `a${++clientIds}` });
  const stream = collectAiStream(client, sent.assistantMessageId);
  await stream.waitFor((event) => event.type === 'done' || event.type === 'error', 10_000);
  stream.stop();
}

async function search(account: TestAccount, query: string, more: { cursor?: string; limit?: number } = {}) {
  await a.server.deps.search.flush();
  return account.client.ai.conversations.search.query({ query, ...more });
}

describe('ai.conversations.search', () => {
  let recipes: number;
  let travel: number;

  beforeAll(async () => {
    ({ id: recipes } = await amy.client.ai.conversations.create.mutate({ title: 'Dinner recipes' }));
    await exchange(amy.client, recipes, 'How do I make 麻婆豆腐?', ['Start with ', 'silken tofu ', 'and Sichuan pepper.']);
    ({ id: travel } = await amy.client.ai.conversations.create.mutate({}));
    await exchange(amy.client, travel, '서울에서 부산까지 얼마나 걸려요?', ['KTX로 ', '약 2시간 30분 걸립니다.']);
  });

  it('finds titles, questions and finished answers in any language, with snippets', async () => {
    const tofu = await search(amy, '豆腐');
    expect(tofu.items).toHaveLength(1);
    expect(tofu.items[0]).toMatchObject({ conversation: { id: recipes, title: 'Dinner recipes' }, message: { role: 'user' } });
    expect(tofu.items[0]!.snippet).toEqual({ text: 'How do I make 麻婆豆腐?', ranges: [{ start: 16, end: 18 }] });

    const answer = await search(amy, 'SICHUAN pepper');
    expect(answer.items.map((item) => [item.message?.role, item.snippet.text])).toEqual([['assistant', 'Start with silken tofu and Sichuan pepper.']]);

    const title = await search(amy, 'recipes');
    expect(title.items).toEqual([expect.objectContaining({ message: null, snippet: { text: 'Dinner recipes', ranges: [{ start: 7, end: 14 }] } })]);

    expect((await search(amy, '부산')).items.map((item) => item.message?.role)).toEqual(['user']);
    expect((await search(amy, '2시간')).items.map((item) => item.message?.role)).toEqual(['assistant']);
  });

  it('finds a generated title, and a renamed one by its new title only', async () => {
    await expect.poll(async () => (await search(amy, '旅行')).items.map((item) => item.conversation.id), { timeout: 10_000 }).toEqual([travel]);
    await amy.client.ai.conversations.rename.mutate({ conversationId: travel, title: 'Korea trip' });
    expect((await search(amy, '旅行')).items).toEqual([]);
    expect((await search(amy, 'korea')).items.map((item) => item.conversation.title)).toEqual(['Korea trip']);
  });

  it('shows only the caller’s conversations and forgets deleted ones', async () => {
    expect((await search(bob, '豆腐')).items).toEqual([]);
    const { id: scratch } = await amy.client.ai.conversations.create.mutate({ title: 'Scratchpad zebra' });
    await exchange(amy.client, scratch, 'zebra stripes?', ['Black and white.']);
    expect((await search(amy, 'zebra')).items).toHaveLength(2);
    await amy.client.ai.conversations.delete.mutate({ conversationId: scratch });
    expect((await amy.client.ai.conversations.search.query({ query: 'zebra' })).items).toEqual([]);
    expect((await search(amy, 'zebra')).items).toEqual([]);
  });

  it('removes the text of deleted and reset conversations from the index itself', async () => {
    const indexed = async (conversationId: number) => {
      await a.server.deps.search.flush();
      const [rows] = await a.server.deps.db.$client.query('select count(*) as n from ai_search where conversation_id = ?', [conversationId]);
      return Number((rows as Array<{ n: number }>)[0]!.n);
    };
    const { id: gone } = await amy.client.ai.conversations.create.mutate({ title: 'Private okapi notes' });
    await exchange(amy.client, gone, 'okapi habitat?', ['Rainforest.']);
    expect(await indexed(gone)).toBe(3);
    await amy.client.ai.conversations.delete.mutate({ conversationId: gone });
    expect(await indexed(gone)).toBe(0);

    const { id: cleared } = await amy.client.ai.conversations.create.mutate({ title: 'Kept title' });
    await exchange(amy.client, cleared, 'okapi diet?', ['Leaves.']);
    expect(await indexed(cleared)).toBe(3);
    await amy.client.ai.conversations.reset.mutate({ conversationId: cleared });
    // The title stays (the conversation does); its messages go.
    expect(await indexed(cleared)).toBe(1);
  });

  it('pages newest first without duplicates', async () => {
    const { id } = await amy.client.ai.conversations.create.mutate({ title: 'paging topic' });
    for (let i = 0; i < 3; i++) await exchange(amy.client, id, `paging topic question ${i}`, [`paging topic answer ${i}`]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(amy, 'paging topic', { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.snippet.text));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(7);
    expect(seen.at(-1)).toBe('paging topic');
    expect(seen.slice(0, 6).sort()).toEqual([0, 1, 2].flatMap((i) => [`paging topic answer ${i}`, `paging topic question ${i}`]).sort());
  });

  it('refuses bad input like chat.search', async () => {
    expect(await failure(amy.client.ai.conversations.search.query({ query: '  ' }))).toBe('BAD_INPUT');
    expect(await failure(amy.client.ai.conversations.search.query({ query: '-only' }))).toBe('BAD_INPUT');
    expect(await failure(amy.client.ai.conversations.search.query({ query: 'x', cursor: 'nope' }))).toBe('BAD_INPUT');
  });
});
