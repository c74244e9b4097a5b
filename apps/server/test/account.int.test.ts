import { loginAttempts, sessions, users } from '@chorus/db';
import { createTestClient, failure, startMailedTestServer, TEST_PASSWORD, type FakeResend, type MailedTestServer, type TestServer } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let mail: FakeResend;
let accounts: MailedTestServer['accounts'];

beforeAll(async () => {
  ({ server, mail, accounts } = await startMailedTestServer({ appConfig: { rateLimits: { registerPerIp: { points: 100, seconds: 3600 } } } }));
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

describe('account', () => {
  it('updates the profile, refusing a taken username and unsafe avatar URLs', async () => {
    const gina = await accounts.register('gina');
    await accounts.register('hank');
    const updated = await gina.client.account.update.mutate({ displayName: 'Gina G', bio: 'hello', avatarUrl: 'https://cdn.example.com/g.png' });
    expect(updated).toMatchObject({ displayName: 'Gina G', bio: 'hello', avatarUrl: 'https://cdn.example.com/g.png', username: 'gina' });
    expect(await failure(gina.client.account.update.mutate({ username: 'hank' }))).toBe('USERNAME_TAKEN');
    expect(await failure(gina.client.account.update.mutate({ avatarUrl: 'javascript:alert(1)' }))).toBe('BAD_INPUT');
    expect(await failure(gina.client.account.update.mutate({ bio: 'x'.repeat(501) }))).toBe('BAD_INPUT');
    expect(await failure(gina.client.account.update.mutate({}))).toBe('BAD_INPUT');
    expect(await gina.client.account.update.mutate({ username: 'gina_2', avatarUrl: null })).toMatchObject({ username: 'gina_2', avatarUrl: null });
    await expect(accounts.anon().auth.login.mutate({ login: 'gina_2', password: TEST_PASSWORD })).resolves.toHaveProperty('token');
  });

  it('changes the email only with the code sent to the new address', async () => {
    const ivy = await accounts.register('ivy');
    const taken = await accounts.register('jack');
    expect(await failure(ivy.client.account.changeEmail.mutate({ newEmail: taken.email }))).toBe('EMAIL_TAKEN');

    const before = mail.messages.length;
    expect(await ivy.client.account.changeEmail.mutate({ newEmail: 'ivy.new@example.com' })).toEqual({ status: 'code_sent' });
    const code = await accounts.codeFor('ivy.new@example.com', before);
    const wrong = code === '123456' ? '654321' : '123456';
    expect(await failure(ivy.client.account.confirmEmailChange.mutate({ code: wrong }))).toBe('INVALID_CODE');
    // Another user cannot use ivy's code.
    expect(await failure(taken.client.account.confirmEmailChange.mutate({ code }))).toBe('INVALID_CODE');
    expect(await ivy.client.account.confirmEmailChange.mutate({ code })).toMatchObject({ email: 'ivy.new@example.com', emailVerified: true });
    expect(await failure(ivy.client.account.confirmEmailChange.mutate({ code }))).toBe('INVALID_CODE');
    await expect(accounts.anon().auth.login.mutate({ login: 'ivy.new@example.com', password: TEST_PASSWORD })).resolves.toHaveProperty('token');
    expect(await failure(accounts.anon().auth.login.mutate({ login: 'ivy@example.com', password: TEST_PASSWORD }))).toBe('INVALID_CREDENTIALS');
  });

  it('changes the password with the current one and ends every other session', async () => {
    const kim = await accounts.register('kim');
    const other = await accounts.anon().auth.login.mutate({ login: 'kim', password: TEST_PASSWORD });
    expect(await failure(kim.client.account.changePassword.mutate({ currentPassword: 'not it at all', newPassword: 'another secret pass' }))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(await failure(kim.client.account.changePassword.mutate({ currentPassword: TEST_PASSWORD, newPassword: 'short' }))).toBe('BAD_INPUT');
    const before = mail.messages.length;
    expect(await kim.client.account.changePassword.mutate({ currentPassword: TEST_PASSWORD, newPassword: 'another secret pass' })).toEqual({
      revokedSessions: 1,
    });
    expect(await kim.client.auth.check.query()).toMatchObject({ valid: true });
    expect(await createTestClient(server.url, { token: other.token }).auth.check.query()).toMatchObject({ valid: false });
    expect(await failure(accounts.anon().auth.login.mutate({ login: 'kim', password: TEST_PASSWORD }))).toBe('INVALID_CREDENTIALS');
    await expect(accounts.anon().auth.login.mutate({ login: 'kim', password: 'another secret pass' })).resolves.toHaveProperty('token');
    const notice = await mail.waitForMessage((m) => m.to.includes(kim.email) && mail.messages.indexOf(m) >= before);
    expect(notice.subject).toMatch(/password was changed/);
  });

  it('shows a user their own login history, paged, successes and failures', async () => {
    const lee = await accounts.register('lee');
    await failure(accounts.anon().auth.login.mutate({ login: 'lee', password: 'wrong password!' }));
    await createTestClient(server.url, { headers: { 'user-agent': 'history-test/1.0' } }).auth.login.mutate({ login: 'lee', password: TEST_PASSWORD });
    const first = await lee.client.account.loginHistory.query({ limit: 2 });
    expect(first.items.map((item) => [item.success, item.reason])).toEqual([
      [true, 'ok'],
      [false, 'invalid_credentials'],
    ]);
    expect(first.items[0]!.userAgent).toBe('history-test/1.0');
    expect(first.items[0]!.ip).toBe('127.0.0.1');
    expect(first.nextCursor).not.toBeNull();
    const second = await lee.client.account.loginHistory.query({ cursor: first.nextCursor!, limit: 2 });
    expect(second.items.map((item) => item.method)).toEqual(['email_code']);
    expect(second.nextCursor).toBeNull();
    // Someone else's attempts never show.
    const mia = await accounts.register('mia');
    expect((await mia.client.account.loginHistory.query()).items).toHaveLength(1);
  });

  it('users.get and users.search return public profiles only', async () => {
    const nora = await accounts.register('nora');
    const viewer = await accounts.register('oscar');
    const profile = await viewer.client.users.get.query({ userId: nora.id });
    expect(Object.keys(profile).sort()).toEqual(['avatarUrl', 'bio', 'createdAt', 'displayName', 'id', 'isGuest', 'username']);
    expect(await failure(viewer.client.users.get.query({ userId: 999_999 }))).toBe('NOT_FOUND');
    expect(await failure(accounts.anon().users.get.query({ userId: nora.id }))).toBe('UNAUTHORIZED');

    // An unverified registration is no one yet.
    await accounts.anon().auth.register.mutate({ email: 'norb@example.com', username: 'norbert', password: TEST_PASSWORD });
    const found = await viewer.client.users.search.query({ query: 'nor' });
    expect(found.map((user) => user.username)).toEqual(['nora']);
    expect(await viewer.client.users.search.query({ query: 'nora' })).toHaveLength(1);
    expect(await viewer.client.users.search.query({ query: '%' })).toEqual([]);
    expect(await failure(viewer.client.users.search.query({ query: '' }))).toBe('BAD_INPUT');
  });

  it('nothing the API returns about a user holds a password or session hash', async () => {
    const pam = await accounts.register('pam');
    const login = await accounts.anon().auth.login.mutate({ login: 'pam', password: TEST_PASSWORD });
    const client = createTestClient(server.url, { token: login.token });
    const outputs = [
      login,
      await client.auth.me.query(),
      await client.auth.check.query(),
      await client.auth.sessions.list.query(),
      await client.account.update.mutate({ bio: 'dump test' }),
      await client.account.loginHistory.query(),
      await pam.client.users.get.query({ userId: pam.id }),
      await pam.client.users.search.query({ query: 'pam' }),
    ];
    const dump = JSON.stringify(outputs);
    const [row] = await server.deps.db.select().from(users).where(eq(users.id, pam.id));
    const sessionRows = await server.deps.db.select().from(sessions).where(eq(sessions.userId, pam.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(dump).not.toContain(row!.passwordHash!);
    expect(dump).not.toMatch(/argon2|passwordHash|secretHash|codeHash/);
    for (const session of sessionRows) expect(dump).not.toContain(session.secretHash);
    expect(await server.deps.db.select().from(loginAttempts).where(eq(loginAttempts.userId, pam.id))).not.toHaveLength(0);
  });
});
