// Two instances on one database and Redis. Each keeps the sessions it validated for a few seconds
// (SessionCache); what ends or changes a session on one instance must reach the other's next call.
import { createTestClient, failure, startMailedTestServer, startTestServer, TEST_PASSWORD, type MailedTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startMailedTestServer();
  b = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

/** A second session of an account, and its client on instance B. */
async function secondSessionOnB(username: string) {
  const login = await a.accounts.anon().auth.login.mutate({ login: username, password: TEST_PASSWORD });
  return { token: login.token, onB: createTestClient(b.url, { token: login.token }) };
}

describe('validated sessions across instances', () => {
  it('a session ended on one instance is refused by the next HTTP call on the other', async () => {
    const ann = await a.accounts.register('cache_ann');
    const { token, onB } = await secondSessionOnB('cache_ann');
    expect((await onB.auth.me.query()).user.id).toBe(ann.id);
    // B now holds the session; the next calls are served from there.
    expect(b.deps.revocations.sessions.size).toBeGreaterThan(0);
    expect((await onB.auth.me.query()).user.id).toBe(ann.id);

    // The secret is checked even for a cached session.
    const [id] = token.split('.');
    const forged = createTestClient(b.url, { token: `${id}.${'a'.repeat(32)}` });
    expect(await failure(forged.auth.me.query())).toBe('UNAUTHORIZED');

    const sessionId = (await onB.auth.sessions.list.query()).find((session) => session.current)!.id;
    await ann.client.auth.sessions.revoke.mutate({ sessionId });
    expect(await failure(onB.auth.me.query())).toBe('UNAUTHORIZED');
  });

  it('a ban on one instance ends every session of the user on the other at once', async () => {
    const admin = await a.accounts.register('cache_admin');
    await a.server.deps.db.$client.query("UPDATE users SET role = 'admin' WHERE id = ?", [admin.id]);
    await a.server.deps.revocations.publishUserChanged(admin.id);
    const bob = await a.accounts.register('cache_bob');
    const { onB } = await secondSessionOnB('cache_bob');
    await onB.auth.me.query();
    await admin.client.admin.users.ban.mutate({ userId: bob.id, reason: 'spam' });
    expect(await failure(onB.auth.me.query())).toBe('UNAUTHORIZED');
  });

  it('a guest that becomes an account on one instance may use account features on the other at once', async () => {
    const guest = await a.accounts.anon().auth.guest.mutate();
    const onB = createTestClient(b.url, { token: guest.token });
    const room = { name: 'guest room', visibility: 'public' as const, joinPolicy: 'open' as const, historyVisible: true, syncEnabled: true, maxMembers: 10 };
    expect(await failure(onB.rooms.create.mutate(room))).toBe('ACCOUNT_REQUIRED');

    const onA = createTestClient(a.server.url, { token: guest.token });
    const before = a.mail.messages.length;
    await onA.auth.upgradeGuest.mutate({ email: 'cache_guest@example.com', username: 'cache_guest', password: TEST_PASSWORD });
    const code = await a.accounts.codeFor('cache_guest@example.com', before);
    await a.accounts.anon().auth.verifyEmail.mutate({ email: 'cache_guest@example.com', code });
    await expect(onB.rooms.create.mutate(room)).resolves.toHaveProperty('id');
  });
});
