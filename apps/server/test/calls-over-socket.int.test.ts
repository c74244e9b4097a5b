// `calls: 'websocket'`: queries and mutations on the client's socket, with the same results,
// errors and session rules as over HTTP.
import { closeChorusClient } from '@chorus/client';
import { createTestClient, failure, startMailedTestServer, startTcpProxy, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let env: MailedTestServer;
let alice: TestAccount;
let bob: TestAccount;
let carol: TestAccount;

beforeAll(async () => {
  env = await startMailedTestServer();
  alice = await env.accounts.register('SockAlice');
  bob = await env.accounts.register('SockBob');
  carol = await env.accounts.register('SockCarol');
});
afterAll(async () => {
  await env?.stop();
});

/** WebSocket calls get `<connection>-<call>` request ids; HTTP requests a UUID. */
const WS_REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{8}$/;
const HTTP_REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function socketClient(options: Parameters<typeof createTestClient>[1] = {}) {
  const opened = { count: 0 };
  const client = createTestClient(env.server.url, { token: alice.token, calls: 'websocket', onSocketOpen: () => opened.count++, ...options });
  return { client, opened };
}

describe("calls: 'websocket'", () => {
  it('sends queries and mutations on the socket, which the first call opens', async () => {
    const { client, opened } = socketClient();
    try {
      expect(opened.count).toBe(0);
      const pong = await client.system.ping.query();
      expect(pong.requestId).toMatch(WS_REQUEST_ID);
      expect(pong.time).toBeInstanceOf(Date);
      expect(opened.count).toBe(1);

      const { conversationId } = await client.chat.createGroup.mutate({ name: 'over the socket', memberIds: [bob.id] });
      const sent = await client.chat.send.mutate({ conversationId, clientId: 'sock-1', kind: 'text', text: 'hello @SockBob' });
      // A retry of the same clientId returns the first message, as over HTTP.
      const again = await client.chat.send.mutate({ conversationId, clientId: 'sock-1', kind: 'text', text: 'hello @SockBob' });
      expect(again.id).toBe(sent.id);
      const history = await bob.client.chat.history.query({ conversationId });
      expect(history.map((m) => m.id)).toEqual([sent.id]);
      expect(opened.count).toBe(1);
    } finally {
      await closeChorusClient(client);
    }
  });

  it('keeps HTTP for auth calls and for clients that did not ask', async () => {
    const { client, opened } = socketClient();
    try {
      const me = await client.auth.me.query();
      expect(me.user.id).toBe(alice.id);
      expect(opened.count).toBe(0);
      expect((await alice.client.system.ping.query()).requestId).toMatch(HTTP_REQUEST_ID);
    } finally {
      await closeChorusClient(client);
    }
  });

  it('fails with the same typed errors as HTTP', async () => {
    const { conversationId } = await bob.client.chat.createGroup.mutate({ name: 'not for alice', memberIds: [carol.id] });
    const { client } = socketClient();
    try {
      expect(await failure(client.chat.get.query({ conversationId }))).toBe('NOT_FOUND');
      expect(await failure(client.chat.send.mutate({ conversationId, clientId: 'x', kind: 'text', text: 'let me in' }))).toBe('NOT_FOUND');
      expect(await failure(client.chat.history.query({ conversationId, limit: 500 }))).toBe('BAD_INPUT');
      const anonymous = createTestClient(env.server.url, { calls: 'websocket' });
      try {
        expect(await failure(anonymous.chat.list.query({ limit: 10 }))).toBe('UNAUTHORIZED');
      } finally {
        await closeChorusClient(anonymous);
      }
    } finally {
      await closeChorusClient(client);
    }
  });

  it("opens a new socket when getToken changes, so calls act for the new session, and ends the old one's subscriptions", async () => {
    const { conversationId } = await bob.client.chat.createGroup.mutate({ name: 'bob and carol', memberIds: [carol.id] });
    let token = alice.token;
    const { client, opened } = socketClient({ token: undefined, getToken: () => token });
    try {
      const events = { first: null as Promise<void> | null, completed: false, errors: 0 };
      events.first = new Promise<void>((resolve) => {
        client.events.subscribe.subscribe(undefined, { onData: () => resolve(), onError: () => events.errors++, onComplete: () => (events.completed = true) });
      });
      await events.first;
      expect(await failure(client.chat.get.query({ conversationId }))).toBe('NOT_FOUND');
      expect(events.completed).toBe(false);

      token = bob.token;
      expect((await client.chat.get.query({ conversationId })).id).toBe(conversationId);
      expect(opened.count).toBe(2);
      // Alice's event stream ended rather than resuming from her position under Bob's session.
      expect(events).toMatchObject({ completed: true, errors: 0 });

      token = alice.token;
      expect(await failure(client.chat.get.query({ conversationId }))).toBe('NOT_FOUND');
      expect(opened.count).toBe(3);
    } finally {
      await closeChorusClient(client);
    }
  });

  it('refuses calls on a socket whose session was revoked', async () => {
    const dave = await env.accounts.register('SockDave');
    const { client } = socketClient({ token: dave.token });
    try {
      expect((await client.chat.list.query({ limit: 10 })).items).toEqual([]);
      await dave.client.auth.logout.mutate();
      expect(await failure(client.chat.list.query({ limit: 10 }))).toBe('UNAUTHORIZED');
    } finally {
      await closeChorusClient(client);
    }
  });

  it('fails a call whose socket drops, and the retry goes out on a new socket', async () => {
    const { conversationId } = await alice.client.chat.createGroup.mutate({ name: 'dropped', memberIds: [bob.id] });
    const proxy = await startTcpProxy(() => [env.server.port]);
    const opened = { count: 0 };
    const client = createTestClient(proxy.url, { token: alice.token, calls: 'websocket', onSocketOpen: () => opened.count++ });
    try {
      await client.system.ping.query();
      const [socket] = proxy.open().filter((connection) => connection.webSocket);
      // The answer to the next call is cut after its first byte: the call was sent and is lost.
      proxy.cutAfterBytes(socket!, 1);
      await expect(client.chat.history.query({ conversationId })).rejects.toThrow();
      const sent = await client.chat.send.mutate({ conversationId, clientId: 'after-drop', kind: 'text', text: 'still here' });
      expect((await bob.client.chat.history.query({ conversationId }))[0]?.id).toBe(sent.id);
      expect(opened.count).toBe(2);
    } finally {
      await closeChorusClient(client);
      await proxy.close();
    }
  });
});
