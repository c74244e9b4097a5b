import { startMailedTestServer, startTestReplicaSet, type FakeResend, type TestAccount, type TestReplicaSet, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// History, search and list reads on a MariaDB replica: stale for others while it lags, never
// for the writer, and the primary's when the replica is gone.
let set: TestReplicaSet;
let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;

beforeAll(async () => {
  set = await startTestReplicaSet();
  const started = await startMailedTestServer({ database: set.database, replica: { url: set.replicaUrl, waitMs: 1500, downForMs: 60_000 } });
  ({ server, mail } = started);
  ann = await started.accounts.register('ann');
  ben = await started.accounts.register('ben');
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
  await set?.stop();
});

let clientIds = 0;
const text = (conversationId: number, body: string) => ({ conversationId, clientId: `r${++clientIds}`, kind: 'text' as const, text: body });
const texts = async (account: TestAccount, conversationId: number) =>
  (await account.client.chat.history.query({ conversationId })).map((message) => message.text);

describe('reads on a read replica', () => {
  it('serves other users a lagging replica, and each writer their own writes', async () => {
    const counts = server.deps.readDb.counts;
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const first = await ann.client.chat.send.mutate(text(conversationId, 'replicated hello'));
    await set.replica.catchUp();
    const replicaReads = counts.replica;
    expect(await texts(ben, conversationId)).toEqual(['replicated hello']);
    // Search reads the replica's copy of the index (the indexer writes it on the primary).
    await vi.waitFor(async () => {
      await set.replica.catchUp();
      expect((await ben.client.chat.search.query({ query: 'replicated' })).items.map((item) => item.message.id)).toEqual([first.id]);
      // The indexer drains its queue within a second, then the row has to reach the replica.
    }, 5000);
    expect(counts.replica).toBeGreaterThan(replicaReads);

    await set.onReplica('STOP SLAVE SQL_THREAD');
    await ann.client.chat.send.mutate(text(conversationId, 'while it lags'));
    const lagged = counts.lagged;
    // Ann waited for the replica, which did not catch up: the primary answered.
    expect(await texts(ann, conversationId)).toEqual(['while it lags', 'replicated hello']);
    expect((await ann.client.chat.list.query({})).items[0]?.lastMessage?.text).toBe('while it lags');
    expect(counts.lagged).toBe(lagged + 2);
    // Ben wrote nothing since: he reads the replica as it is, without the new message.
    expect(await texts(ben, conversationId)).toEqual(['replicated hello']);
    // A group Ben was just added to is not on the replica yet: its NOT_FOUND is checked on the primary.
    const group = await ann.client.chat.createGroup.mutate({ name: 'lagging group', memberIds: [ben.id] });
    const refused = counts.refused;
    expect(await texts(ben, group.conversationId)).toEqual([]);
    expect(counts.refused).toBe(refused + 1);

    // The replica resumes during Ann's wait: it answers her, with her edit.
    await ann.client.chat.edit.mutate({ messageId: first.id, text: 'edited hello' });
    const waited = counts.waited;
    setTimeout(() => void set.onReplica('START SLAVE SQL_THREAD'), 200);
    expect(await texts(ann, conversationId)).toEqual(['while it lags', 'edited hello']);
    expect(counts.waited).toBe(waited + 1);
    await set.replica.catchUp();
    expect(await texts(ben, conversationId)).toEqual(['while it lags', 'edited hello']);
  });

  it('reads from the primary, without an error, when the replica is down', async () => {
    const counts = server.deps.readDb.counts;
    const { conversationId } = await ben.client.chat.openDirect.mutate({ userId: ann.id });
    await set.replica.stop();
    await ben.client.chat.send.mutate(text(conversationId, 'nobody replicates this'));
    expect(await texts(ann, conversationId)).toEqual(['nobody replicates this', 'while it lags', 'edited hello']);
    expect(await texts(ben, conversationId)).toEqual(['nobody replicates this', 'while it lags', 'edited hello']);
    expect((await ann.client.chat.list.query({})).items.map((item) => item.lastMessage?.text)).toEqual(['nobody replicates this', undefined]);
    expect(counts.down).toBe(1);
  });
});
