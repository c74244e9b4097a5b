// The server and accounts the chat.search suites share: ann, ben and cat in a group, dan outside
// it, and helpers that drain the index queue before searching (the indexer would within its poll).
import { createShiftableClock, startMailedTestServer, type MailedTestServer, type ShiftableClock, type TestAccount } from '@chorus/testing';

export type SearchInput = Parameters<TestAccount['client']['chat']['search']['query']>[0];

export interface SearchFixture {
  clock: ShiftableClock;
  a: MailedTestServer;
  ann: TestAccount;
  ben: TestAccount;
  cat: TestAccount;
  dan: TestAccount;
  /** A group of ann (owner), ben and cat. */
  group: number;
  send: (account: TestAccount, conversationId: number, text: string) => Promise<Awaited<ReturnType<TestAccount['client']['chat']['send']['mutate']>>>;
  search: (account: TestAccount, input: SearchInput) => Promise<Awaited<ReturnType<TestAccount['client']['chat']['search']['query']>>>;
  texts: (account: TestAccount, query: string, more?: Partial<SearchInput>) => Promise<Array<string | null>>;
}

export async function startSearchFixture(): Promise<SearchFixture> {
  const clock = createShiftableClock();
  // The suites search far more often than a person: the per-user limit has its own test.
  const a = await startMailedTestServer({ clock, appConfig: { rateLimits: { searchesPerUser: { points: 100_000, seconds: 60 } } } });
  const [ann, ben, cat, dan] = await Promise.all([
    a.accounts.register('ann'),
    a.accounts.register('ben'),
    a.accounts.register('cat'),
    a.accounts.register('dan'),
  ]);
  const { conversationId: group } = await ann.client.chat.createGroup.mutate({ name: 'Languages', memberIds: [ben.id, cat.id] });
  let clientIds = 0;
  const send: SearchFixture['send'] = (account, conversationId, text) =>
    account.client.chat.send.mutate({ conversationId, clientId: `s${++clientIds}`, kind: 'text', text });
  const search: SearchFixture['search'] = async (account, input) => {
    await a.server.deps.search.flush();
    return account.client.chat.search.query(input);
  };
  const texts: SearchFixture['texts'] = async (account, query, more = {}) => (await search(account, { query, ...more })).items.map((item) => item.message.text);
  return { clock, a, ann, ben, cat, dan, group, send, search, texts };
}
