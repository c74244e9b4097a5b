import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { users } from '@chorus/db';
import { createTestClient, failure, startMailedTestServer, TEST_PASSWORD, type FakeResend, type MailedTestServer, type TestServer } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
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

/** Runs the real admin:create script against this test's database. */
function adminCreate(args: string[], input?: string) {
  const child = run(process.execPath, ['--import', 'tsx', 'src/scripts/admin-create.ts', ...args], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, DATABASE_URL: server.database.url, REDIS_URL: server.redisService!.url, LOG_LEVEL: 'warn' },
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

describe('guests', () => {
  it('a guest signs in at once, may not change email, and upgrades keeping its id', async () => {
    const guest = await accounts.anon().auth.guest.mutate();
    expect(guest.user).toMatchObject({ isGuest: true, email: null, emailVerified: false });
    expect(guest.user.username).toMatch(/^guest_[0-9a-f]{10}$/);
    const client = createTestClient(server.url, { token: guest.token });
    expect(await failure(client.account.changeEmail.mutate({ newEmail: 'g@example.com' }))).toBe('ACCOUNT_REQUIRED');
    expect(await failure(client.account.changePassword.mutate({ currentPassword: 'x', newPassword: 'long enough now' }))).toBe('ACCOUNT_REQUIRED');
    await client.account.update.mutate({ bio: 'made as a guest' });

    await accounts.register('quinn');
    expect(await failure(client.auth.upgradeGuest.mutate({ email: 'quinn@example.com', username: 'newbie', password: TEST_PASSWORD }))).toBe('EMAIL_TAKEN');
    expect(await failure(client.auth.upgradeGuest.mutate({ email: 'newbie@example.com', username: 'quinn', password: TEST_PASSWORD }))).toBe('USERNAME_TAKEN');

    const before = mail.messages.length;
    expect(await client.auth.upgradeGuest.mutate({ email: 'newbie@example.com', username: 'newbie', password: TEST_PASSWORD })).toEqual({
      status: 'verification_sent',
    });
    // Still a guest (and still signed in) until the address is proven.
    expect((await client.auth.me.query()).user).toMatchObject({ isGuest: true, id: guest.user.id });
    expect(await failure(accounts.anon().auth.login.mutate({ login: 'newbie', password: TEST_PASSWORD }))).toBe('EMAIL_NOT_VERIFIED');

    const code = await accounts.codeFor('newbie@example.com', before);
    const verified = await accounts.anon().auth.verifyEmail.mutate({ email: 'newbie@example.com', code });
    expect(verified.user).toMatchObject({ id: guest.user.id, isGuest: false, emailVerified: true, username: 'newbie', bio: 'made as a guest' });
    const login = await accounts.anon().auth.login.mutate({ login: 'newbie', password: TEST_PASSWORD });
    expect(login.user.id).toBe(guest.user.id);
    expect(await failure(client.auth.upgradeGuest.mutate({ email: 'again@example.com', username: 'again', password: TEST_PASSWORD }))).toBe('CONFLICT');
  });

  it('a plain HTTP client can become a guest with a null input', async () => {
    const response = await fetch(`${server.url}/trpc/auth.guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: null }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^chorus_session=/);
  });

  it("a guest's unproven address never hands its account to someone who registers that address", async () => {
    const guest = await accounts.anon().auth.guest.mutate();
    const client = createTestClient(server.url, { token: guest.token });
    const before = mail.messages.length;
    await client.auth.upgradeGuest.mutate({ email: 'rita@example.com', username: 'rita_guest', password: TEST_PASSWORD });
    const guestsCode = await accounts.codeFor('rita@example.com', before);
    const rita = await accounts.register('rita');
    expect(rita.id).not.toBe(guest.user.id);
    expect((await client.auth.me.query()).user).toMatchObject({ id: guest.user.id, isGuest: true, email: null });
    expect(await failure(accounts.anon().auth.verifyEmail.mutate({ email: 'rita@example.com', code: guestsCode }))).toBe('INVALID_CODE');
  });
});

describe('admin', () => {
  it('admin:create creates a verified admin, and promotes an existing account', async () => {
    const created = await adminCreate(['--email', 'root@example.com', '--username', 'root', '--password-stdin'], 'an admin password\n');
    expect(created.stdout).toMatch(/created admin account \d+ for root@example.com/);
    expect(created.stdout).not.toMatch(/password/);
    const root = await accounts.anon().auth.login.mutate({ login: 'root', password: 'an admin password' });
    expect(root.user).toMatchObject({ role: 'admin', emailVerified: true });

    const sam = await accounts.register('sam');
    const promoted = await adminCreate(['--email', sam.email]);
    expect(promoted.stdout).toContain(`account ${sam.id} (${sam.email}) is now an admin`);
    expect((await sam.client.auth.me.query()).user.role).toBe('admin');

    await expect(adminCreate(['--email', 'nobody@example.com'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/give a username and a password/) as string,
    });
    // Three processes, each loading the API under tsx: about 15 s on a quiet machine.
  }, 60_000);

  it('bans a user: sessions end, login answers USER_BANNED, mail tells them; unban restores login', async () => {
    const admin = await accounts.register('tess');
    await server.deps.db.update(users).set({ role: 'admin' }).where(eq(users.id, admin.id));
    const uma = await accounts.register('uma');
    expect(await failure(uma.client.admin.users.list.query())).toBe('FORBIDDEN');
    expect(await failure(uma.client.admin.users.ban.mutate({ userId: admin.id, reason: 'no' }))).toBe('FORBIDDEN');

    const ended = new Promise<unknown>((resolve) => {
      uma.client.auth.watchSession.subscribe(undefined, { onError: resolve, onData: () => {} });
    });
    const before = mail.messages.length;
    const banned = await admin.client.admin.users.ban.mutate({ userId: uma.id, reason: 'spam' });
    expect(banned).toMatchObject({ id: uma.id, banReason: 'spam' });
    expect(banned.bannedAt).toBeInstanceOf(Date);
    expect(await ended).toBeDefined();
    expect(await uma.client.auth.check.query()).toMatchObject({ valid: false });
    expect(await failure(accounts.anon().auth.login.mutate({ login: 'uma', password: TEST_PASSWORD }))).toBe('USER_BANNED');
    expect(await failure(accounts.anon().auth.login.mutate({ login: 'uma', password: 'wrong password' }))).toBe('INVALID_CREDENTIALS');
    const notice = await mail.waitForMessage((m) => m.to.includes(uma.email) && mail.messages.indexOf(m) >= before);
    expect(notice.text).toContain('spam');
    expect(await failure(admin.client.users.get.query({ userId: uma.id }))).toBe('NOT_FOUND');

    const bannedList = await admin.client.admin.users.list.query({ status: 'banned' });
    expect(bannedList.items.map((user) => user.id)).toEqual([uma.id]);
    expect(await failure(admin.client.admin.users.ban.mutate({ userId: admin.id, reason: 'self' }))).toBe('FORBIDDEN');
    expect(await failure(admin.client.admin.users.ban.mutate({ userId: 999_999, reason: 'ghost' }))).toBe('NOT_FOUND');

    expect(await admin.client.admin.users.unban.mutate({ userId: uma.id })).toMatchObject({ bannedAt: null, banReason: null });
    await expect(accounts.anon().auth.login.mutate({ login: 'uma', password: TEST_PASSWORD })).resolves.toHaveProperty('token');
  });

  it('lists users newest first with paging and search, without secrets', async () => {
    const admin = await accounts.register('vera');
    await server.deps.db.update(users).set({ role: 'admin' }).where(eq(users.id, admin.id));
    const page = await admin.client.admin.users.list.query({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.id).toBeGreaterThan(page.items[1]!.id);
    const next = await admin.client.admin.users.list.query({ limit: 2, cursor: page.nextCursor! });
    expect(next.items[0]!.id).toBeLessThan(page.items[1]!.id);
    expect((await admin.client.admin.users.list.query({ query: 'vera@' })).items.map((user) => user.id)).toEqual([admin.id]);
    expect(JSON.stringify(page)).not.toMatch(/argon2|passwordHash/);
  });
});
