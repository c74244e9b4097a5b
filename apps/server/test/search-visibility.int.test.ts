// chat.search finds only what chat.history shows the caller (membership, a room's history
// floor, deletions, edits, blocks), on any instance, and nothing with SEARCH_ENGINE=off.
import { chorusError, createTestClient, failure, startTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSearchFixture, type SearchFixture } from './search-fixture';

let a: SearchFixture['a'];
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let dan: TestAccount;
let group: number;
let send: SearchFixture['send'];
let search: SearchFixture['search'];
let texts: SearchFixture['texts'];

beforeAll(async () => {
  ({ a, ann, ben, cat, dan, group, send, search, texts } = await startSearchFixture());
});
afterAll(async () => {
  await a?.stop();
});

describe('visibility', () => {
  it('only members find a conversation’s messages; a member who left finds nothing more', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'Secret', memberIds: [cat.id] });
    await send(ann, conversationId, 'classified plans');
    expect(await texts(cat, 'classified')).toEqual(['classified plans']);
    expect(await texts(dan, 'classified')).toEqual([]);
    expect(await failure(dan.client.chat.search.query({ query: 'classified', conversationId }))).toBe('NOT_FOUND');
    await cat.client.chat.leave.mutate({ conversationId });
    expect(await texts(cat, 'classified')).toEqual([]);
    expect(await failure(cat.client.chat.search.query({ query: 'classified', conversationId }))).toBe('NOT_FOUND');
  });

  it('a room hiding its history shows a newcomer only what was sent after they joined', async () => {
    const room = { visibility: 'public', joinPolicy: 'open', syncEnabled: true, maxMembers: 10 } as const;
    const { id: roomId } = await ann.client.rooms.create.mutate({ name: 'Hidden', ...room, historyVisible: false });
    await send(ann, roomId, 'floorword before');
    await dan.client.rooms.join.mutate({ roomId });
    // A conversation without a floor as well: its matches and the room's merge newest first.
    const { conversationId: pair } = await ann.client.chat.createGroup.mutate({ name: 'Pair', memberIds: [dan.id] });
    await send(ann, pair, 'floorword elsewhere');
    await send(ann, roomId, 'floorword after');
    expect(await texts(dan, 'floorword')).toEqual(['floorword after', 'floorword elsewhere']);
    expect(await texts(dan, 'floorword', { limit: 1 })).toEqual(['floorword after']);
    expect(await texts(ann, 'floorword')).toEqual(['floorword after', 'floorword elsewhere', 'floorword before']);
    const history = await dan.client.chat.history.query({ conversationId: roomId });
    expect(history.map((message) => message.text)).toEqual(['floorword after']);
  });

  it('fills a page from below the matches under a floor, and pages on from there', async () => {
    const room = { visibility: 'public', joinPolicy: 'open', syncEnabled: true, maxMembers: 10 } as const;
    const { conversationId: pair } = await ann.client.chat.createGroup.mutate({ name: 'Older pair', memberIds: [dan.id] });
    await send(ann, pair, 'underword oldest');
    const { id: roomId } = await ann.client.rooms.create.mutate({ name: 'Hidden too', ...room, historyVisible: false });
    for (const n of [1, 2, 3]) await send(ann, roomId, `underword hidden ${n}`);
    await dan.client.rooms.join.mutate({ roomId });
    await send(ann, roomId, 'underword newest');
    // The newest match, then three under dan's floor, then the one to find.
    const first = await search(dan, { query: 'underword', limit: 1 });
    expect(first.items.map((item) => item.message.text)).toEqual(['underword newest']);
    const second = await search(dan, { query: 'underword', limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.message.text)).toEqual(['underword oldest']);
    expect(second.nextCursor).toBeNull();
    expect(await texts(dan, 'underword', { limit: 2 })).toEqual(['underword newest', 'underword oldest']);
    expect(await texts(dan, 'underword hidden')).toEqual([]);
  });

  it('deleted messages are not found; edited ones by their current text only', async () => {
    const gone = await send(ann, group, 'vanishing ink');
    const edited = await send(ann, group, 'original wording');
    expect(await texts(ben, 'vanishing')).toEqual(['vanishing ink']);
    await ann.client.chat.delete.mutate({ messageId: gone.id });
    await ann.client.chat.edit.mutate({ messageId: edited.id, text: 'revised 修改 wording' });
    // Even before the indexer runs, the old text finds nothing.
    expect(await ben.client.chat.search.query({ query: 'original' })).toEqual({ items: [], nextCursor: null });
    expect(await texts(ben, 'vanishing')).toEqual([]);
    expect(await texts(ben, 'original')).toEqual([]);
    const [item] = (await search(ben, { query: '修改' })).items;
    expect(item!.message).toMatchObject({ id: edited.id, text: 'revised 修改 wording' });
    expect(item!.snippet.ranges).toEqual([{ start: 8, end: 10 }]);
  });

  it('a block keeps a direct chat’s earlier messages findable, as its history shows them', async () => {
    const { conversationId } = await cat.client.chat.openDirect.mutate({ userId: dan.id });
    await send(cat, conversationId, 'before the block');
    await dan.client.friends.block.mutate({ userId: cat.id });
    expect(await failure(send(cat, conversationId, 'after the block'))).toBe('FORBIDDEN');
    const history = await dan.client.chat.history.query({ conversationId });
    expect(history.map((message) => message.text)).toEqual(['before the block']);
    expect(await texts(dan, 'block')).toEqual(['before the block']);
    expect(await texts(cat, 'block')).toEqual(['before the block']);
  });
});

describe('two instances', () => {
  it('share one index: a message sent through one is found through the other, each indexer draining', async () => {
    const b = await startTestServer({ database: a.server.database });
    try {
      const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => send(ann, group, `instances ${i} 多实例`)));
      await Promise.all([a.server.deps.search.flush(), b.deps.search.flush()]);
      const found = await createTestClient(b.url, { token: ben.token }).chat.search.query({ query: '多实例', limit: 50 });
      expect(found.items.map((item) => item.message.id)).toEqual(sent.map((message) => message.id).sort((x, y) => y - x));
    } finally {
      await b.stop();
    }
  });
});

describe('SEARCH_ENGINE=off', () => {
  it('indexes nothing and answers UNAVAILABLE', async () => {
    const off = await startTestServer({ database: a.server.database, search: { mode: 'off' } });
    try {
      expect(off.deps.search.engine).toBeNull();
      expect(off.deps.search.queueSql([1])).toEqual([]);
      expect(await failure(createTestClient(off.url, { token: ann.token }).chat.search.query({ query: 'apple' }))).toBe('UNAVAILABLE');
    } finally {
      await off.stop();
    }
  });
});

describe('rate limit', () => {
  it('limits searches per user, chat and AI conversation searches together', async () => {
    const limited = await startTestServer({ database: a.server.database, appConfig: { rateLimits: { searchesPerUser: { points: 2, seconds: 3600 } } } });
    try {
      const annThere = createTestClient(limited.url, { token: ann.token });
      await annThere.chat.search.query({ query: 'apple' });
      await annThere.ai.conversations.search.query({ query: 'apple' });
      const refused = await chorusError(annThere.chat.search.query({ query: 'apple' }));
      expect(refused.data?.appCode).toBe('RATE_LIMITED');
      expect(refused.data?.retryAfter).toBeGreaterThan(3000);
      expect(await failure(annThere.ai.conversations.search.query({ query: 'apple' }))).toBe('RATE_LIMITED');
      // Bad input costs nothing: it is refused before the limiter.
      expect(await failure(createTestClient(limited.url, { token: ben.token }).chat.search.query({ query: '   ' }))).toBe('BAD_INPUT');
      // Another user has their own allowance.
      const bens = await createTestClient(limited.url, { token: ben.token }).chat.search.query({ query: 'apple' });
      expect(bens.nextCursor).toBeNull();
    } finally {
      await limited.stop();
    }
  });
});
