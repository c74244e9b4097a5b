// A database whose messages were written without search (SEARCH_ENGINE=off, or before search
// existed) gets them indexed when a server with search first starts on it.
import { createTestClient, createTestDatabase, startMailedTestServer, startTestServer, type TestDatabase } from '@chorus/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const tableCount = async (name: string) => {
  const [rows] = await database.db.$client.query('select count(*) as n from information_schema.tables where table_schema = database() and table_name = ?', [
    name,
  ]);
  return Number((rows as Array<{ n: number }>)[0]!.n);
};

it('indexes the messages already there when the index tables are made', async () => {
  const off = await startMailedTestServer({ database, search: { mode: 'off' } });
  let token: string;
  try {
    const [eve, fay] = await Promise.all([off.accounts.register('eve'), off.accounts.register('fay')]);
    token = fay.token;
    const { conversationId } = await eve.client.chat.createGroup.mutate({ name: 'Before search', memberIds: [fay.id] });
    await eve.client.chat.send.mutate({ conversationId, clientId: 'b1', kind: 'text', text: '旧的消息 from before' });
    const gone = await eve.client.chat.send.mutate({ conversationId, clientId: 'b2', kind: 'text', text: '旧的 deleted one' });
    await eve.client.chat.delete.mutate({ messageId: gone.id });
  } finally {
    await off.stop();
  }
  expect(await tableCount('message_search')).toBe(0);

  const on = await startTestServer({ database });
  try {
    expect(on.deps.search.engine?.name).toBe('mroonga');
    await on.deps.search.flush();
    const found = await createTestClient(on.url, { token }).chat.search.query({ query: '旧的' });
    expect(found.items.map((item) => item.message.text)).toEqual(['旧的消息 from before']);
  } finally {
    await on.stop();
  }
});
