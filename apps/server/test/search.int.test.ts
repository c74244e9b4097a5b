// chat.search on the real engine the test run's MariaDB offers (Mroonga): languages without
// spaces, phrases and exclusions, filters and paging. Who may find what: search-visibility.
import { appErrorOf, failure, noisePng, uploadWithTus, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSearchFixture, type SearchFixture } from './search-fixture';

let clock: SearchFixture['clock'];
let a: SearchFixture['a'];
let ann: TestAccount;
let ben: TestAccount;
let group: number;
let send: SearchFixture['send'];
let search: SearchFixture['search'];
let texts: SearchFixture['texts'];

beforeAll(async () => {
  ({ clock, a, ann, ben, group, send, search, texts } = await startSearchFixture());
});
afterAll(async () => {
  await a?.stop();
});

describe('chat.search engine', () => {
  it('runs on Mroonga, the engine of the MariaDB the tests start', () => {
    expect(a.server.deps.search.engine?.name).toBe('mroonga');
  });
  // The same suite would run against MySQL 8's InnoDB ngram engine; the tests start MariaDB only.
  it.skip('InnoDB FULLTEXT with the ngram parser: skipped, no MySQL 8 server is available here', () => {});
});

describe('languages', () => {
  const corpus = [
    'The quick brown fox jumps over the lazy dog',
    '我们明天去北京开会吧',
    '我們明天去臺北開會吧',
    'きょうはいいてんきですね',
    '東京でラーメンを食べました',
    '오늘 회의는 서울에서 합니다',
    'Chorus的搜索功能很好用',
    'ＦＵＬＬ　ＷＩＤＴＨ letters here',
    'party 🎉 tonight',
  ];
  beforeAll(async () => {
    for (const text of corpus) await send(ann, group, text);
  });

  it.each([
    ['quick', [corpus[0]]],
    ['QUICK Fox', [corpus[0]]],
    ['ｑｕｉｃｋ', [corpus[0]]],
    ['北京', [corpus[1]]],
    ['开会', [corpus[1]]],
    ['臺北', [corpus[2]]],
    ['開會', [corpus[2]]],
    ['明天', [corpus[2], corpus[1]]],
    ['てんき', [corpus[3]]],
    ['ラーメン', [corpus[4]]],
    ['東京', [corpus[4]]],
    ['회의', [corpus[5]]],
    ['서울', [corpus[5]]],
    ['Chorus 搜索', [corpus[6]]],
    ['chorus的搜索', [corpus[6]]],
    ['full width', [corpus[7]]],
    ['🎉 tonight', [corpus[8]]],
    ['北京 -開會', [corpus[1]]],
  ])('%s', async (query, expected) => {
    expect(await texts(ben, query)).toEqual(expected);
  });

  it('finds nothing for words that are not there', async () => {
    expect(await texts(ben, '上海')).toEqual([]);
    expect(await texts(ben, 'cat')).toEqual([]);
  });

  it('gives snippets with UTF-16 ranges into their text, case- and width-insensitively', async () => {
    const [chinese] = (await search(ben, { query: '北京' })).items;
    expect(chinese!.snippet).toEqual({ text: corpus[1], ranges: [{ start: 5, end: 7 }] });
    const [wide] = (await search(ben, { query: 'width' })).items;
    expect(wide!.snippet.ranges).toEqual([{ start: 5, end: 10 }]);
    expect(wide!.snippet.text.slice(5, 10)).toBe('ＷＩＤＴＨ');
    // The emoji before the word takes two UTF-16 units.
    const [party] = (await search(ben, { query: 'TONIGHT' })).items;
    expect(party!.snippet).toEqual({ text: 'party 🎉 tonight', ranges: [{ start: 9, end: 16 }] });
    expect(party!.conversation).toEqual({ id: group, kind: 'group', name: 'Languages', avatarUrl: null, peerId: null });
    expect(party!.message).toMatchObject({ senderId: ann.id, conversationId: group, kind: 'text' });
  });

  it('cuts a long text to a window around the first match', async () => {
    const long = `${'lorem ipsum '.repeat(40)}needle ${'dolor sit '.repeat(40)}`;
    await send(ann, group, long);
    const [item] = (await search(ben, { query: 'needle' })).items;
    expect(item!.snippet.text.length).toBeLessThanOrEqual(200);
    const [range] = item!.snippet.ranges;
    expect(item!.snippet.text.slice(range!.start, range!.end)).toBe('needle');
  });
});

describe('query syntax', () => {
  beforeAll(async () => {
    for (const text of ['red apple pie', 'apple red', 'green apple', 'c++ and "quoted" (paren) back\\slash']) await send(ann, group, text);
  });

  it('phrases, exclusions and excluded phrases', async () => {
    expect(await texts(ben, '"red apple"')).toEqual(['red apple pie']);
    expect(await texts(ben, 'apple -red')).toEqual(['green apple']);
    expect(await texts(ben, 'apple -"red apple"')).toEqual(['green apple', 'apple red']);
    expect(await texts(ben, 'apple red')).toEqual(['apple red', 'red apple pie']);
  });

  it('takes characters of the engine syntax as text, never as operators', async () => {
    const wanted = ['c++ and "quoted" (paren) back\\slash'];
    expect(await texts(ben, 'c++')).toEqual(wanted);
    expect(await texts(ben, '(paren)')).toEqual(wanted);
    expect(await texts(ben, 'back\\slash')).toEqual(wanted);
    expect(await texts(ben, '"quoted')).toEqual(wanted);
    expect(await texts(ben, '*D+ apple')).toEqual([]);
    expect(await texts(ben, 'apple OR pear')).toEqual([]);
  });

  it.each([
    ['', 'Type something'],
    ['    ', 'Type something'],
    ['x'.repeat(257), 'at most 256'],
    ['- + * " ()', 'no words'],
    ['🎉 🎉', 'no words'],
    ['-apple', 'cannot only exclude'],
  ])('refuses %j with BAD_INPUT', async (query, message) => {
    const error = await ann.client.chat.search.query({ query }).then(
      () => null,
      (caught: unknown) => caught as { message: string; data: { appCode: string } },
    );
    expect(error?.data.appCode).toBe('BAD_INPUT');
    expect(error?.message).toContain(message);
  });

  it('answers odd input with results or BAD_INPUT, never a database error', async () => {
    const odd = [
      'a',
      'ー',
      '々',
      "'",
      "a'b",
      'x_y',
      '#tag',
      '@ann',
      '1.5',
      'e-mail',
      '🇯🇵日本',
      '"',
      '""',
      '\\',
      '\\"',
      'a\\',
      '(',
      ')',
      '&&',
      '||',
      '!',
      '@',
      '~',
      '>',
      '<',
      '*',
      'NOT',
      'AND',
      'x'.repeat(256),
      'é',
      'é',
      '\u200b',
      '\u0000',
      '%',
      '_',
      '$',
      '`',
      ';--',
      "' or 1=1 --",
    ];
    for (const query of odd) {
      const code = await search(ben, { query }).then(
        () => null,
        (error: unknown) => appErrorOf(error).code,
      );
      expect([null, 'BAD_INPUT'], JSON.stringify(query)).toContain(code);
    }
  });

  it('refuses a cursor it did not make', async () => {
    expect(await failure(ann.client.chat.search.query({ query: 'apple', cursor: 'bogus' }))).toBe('BAD_INPUT');
  });
});

describe('filters and paging', () => {
  let other: number;
  beforeAll(async () => {
    ({ conversationId: other } = await ben.client.chat.createGroup.mutate({ name: 'Other', memberIds: [ann.id] }));
  });

  it('by conversation, sender, kind, attachment and time', async () => {
    const start = clock.now();
    clock.advance(60_000);
    await send(ann, group, 'filter word from ann');
    await send(ben, other, 'filter word from ben');
    const fileId = (await uploadWithTus(a.server.url, noisePng(8, 8), { token: ann.token, filename: 'f.png', filetype: 'image/png' })).fileId;
    await ann.client.chat.send.mutate({
      conversationId: other,
      clientId: 'filter-picture',
      kind: 'image',
      text: 'filter word picture',
      attachment: { fileId },
    });
    clock.advance(60_000);
    const middle = clock.now();
    clock.advance(60_000);
    await send(ann, other, 'filter word later');

    expect(await texts(ann, 'filter word')).toEqual(['filter word later', 'filter word picture', 'filter word from ben', 'filter word from ann']);
    expect(await texts(ann, 'filter', { conversationId: group })).toEqual(['filter word from ann']);
    expect(await texts(ann, 'filter', { fromUserId: ben.id })).toEqual(['filter word from ben']);
    expect(await texts(ann, 'filter', { kind: 'image' })).toEqual(['filter word picture']);
    expect(await texts(ann, 'filter', { hasAttachment: true })).toEqual(['filter word picture']);
    expect(await texts(ann, 'filter', { hasAttachment: false, conversationId: other })).toEqual(['filter word later', 'filter word from ben']);
    expect(await texts(ann, 'filter', { after: middle })).toEqual(['filter word later']);
    expect(await texts(ann, 'filter', { before: middle, after: start })).toEqual(['filter word picture', 'filter word from ben', 'filter word from ann']);
    expect(await failure(ann.client.chat.search.query({ query: 'filter', before: start, after: middle }))).toBe('BAD_INPUT');
  });

  it('pages newest first without duplicates or gaps, also while new messages arrive', async () => {
    const sent: number[] = [];
    for (let i = 0; i < 25; i++) sent.push((await send(ann, group, `paging item ${i}`)).id);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search(ben, { query: 'paging item', limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.message.id));
      cursor = page.nextCursor ?? undefined;
      // A message sent meanwhile is newer than every page: it never shows up in a later one.
      if (pages++ === 0) await send(ann, group, 'paging item late');
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...sent].reverse());
  });
});
