import { sessions } from '@chorus/db';
import { appCodeOf, closeChorusClient } from '@chorus/client';
import { createTestClient, extractCode, startFakeResend, startTestServer, type FakeResend, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let mail: FakeResend;
const password = 'correct horse battery';

beforeAll(async () => {
  mail = await startFakeResend();
  server = await startTestServer({ fakeResend: mail, appConfig: { rateLimits: { loginFailuresPerAccount: { points: 3, seconds: 600 } } } });
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

const anon = () => createTestClient(server.url);

async function codeFor(email: string, after = 0): Promise<string> {
  const message = await mail.waitForMessage((m) => m.to.includes(email) && mail.messages.indexOf(m) >= after, 10_000);
  return extractCode(message);
}

async function registerVerified(email: string, username: string) {
  const before = mail.messages.length;
  await anon().auth.register.mutate({ email, username, password });
  return anon().auth.verifyEmail.mutate({ email, code: await codeFor(email, before) });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return appCodeOf(error);
  }
  throw new Error('expected the call to fail');
}

describe('accounts', () => {
  it('registers, verifies by emailed code, logs in, reads me, logs out', async () => {
    expect(await anon().auth.register.mutate({ email: 'Ada@Example.com', username: 'ada', password })).toEqual({ status: 'verification_sent' });
    expect(await failure(anon().auth.login.mutate({ login: 'ada', password }))).toBe('EMAIL_NOT_VERIFIED');

    const verified = await anon().auth.verifyEmail.mutate({ email: 'ada@example.com', code: await codeFor('ada@example.com') });
    expect(verified.user).toMatchObject({ username: 'ada', email: 'ada@example.com', emailVerified: true });

    const session = await anon().auth.login.mutate({ login: 'ADA@example.com', password });
    const client = createTestClient(server.url, { token: session.token });
    const me = await client.auth.me.query();
    expect(me.user.id).toBe(verified.user.id);
    expect(JSON.stringify(me)).not.toMatch(/argon2|passwordHash|secretHash/);
    expect(await client.auth.check.query()).toMatchObject({ valid: true });

    await client.auth.logout.mutate();
    expect(await client.auth.check.query()).toEqual({ valid: false, expiresAt: null });
    expect(await failure(client.auth.me.query())).toBe('UNAUTHORIZED');
  });

  it('answers each failure with its typed code', async () => {
    await registerVerified('bob@example.com', 'bob');
    expect(await failure(anon().auth.register.mutate({ email: 'bob@example.com', username: 'bobby', password }))).toBe('EMAIL_TAKEN');
    expect(await failure(anon().auth.register.mutate({ email: 'other@example.com', username: 'bob', password }))).toBe('USERNAME_TAKEN');
    expect(await failure(anon().auth.login.mutate({ login: 'bob', password: 'wrong password' }))).toBe('INVALID_CREDENTIALS');
    expect(await failure(anon().auth.login.mutate({ login: 'nobody', password }))).toBe('INVALID_CREDENTIALS');
    expect(await failure(anon().auth.register.mutate({ email: 'x@example.com', username: 'x', password }))).toBe('BAD_INPUT');

    await anon().auth.register.mutate({ email: 'carol@example.com', username: 'carol', password });
    const code = await codeFor('carol@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await failure(anon().auth.verifyEmail.mutate({ email: 'carol@example.com', code: wrong }))).toBe('INVALID_CODE');
  });

  it('locks an account after repeated wrong passwords with RATE_LIMITED and retryAfter', async () => {
    await registerVerified('dave@example.com', 'dave');
    for (let i = 0; i < 3; i++) {
      expect(await failure(anon().auth.login.mutate({ login: 'dave', password: 'not the password' }))).toBe('INVALID_CREDENTIALS');
    }
    const error = await anon()
      .auth.login.mutate({ login: 'dave', password })
      .catch((e: unknown) => e);
    expect(appCodeOf(error)).toBe('RATE_LIMITED');
    expect((error as { data: { retryAfter: number } }).data.retryAfter).toBeGreaterThan(0);
  });

  it('answers an unknown login exactly as an existing one: same count, then RATE_LIMITED (spelling variants share the count)', async () => {
    await registerVerified('gina@example.com', 'gina');
    const tries = async (logins: string[]) => {
      const codes: Array<string | null> = [];
      for (const login of logins) codes.push(await failure(anon().auth.login.mutate({ login, password: 'not the password' })));
      const locked = await anon()
        .auth.login.mutate({ login: logins[0]!, password })
        .catch((e: unknown) => e);
      return { codes, locked: appCodeOf(locked), retryAfter: (locked as { data?: { retryAfter?: number } }).data?.retryAfter };
    };
    const existing = await tries(['gina', 'GINA', 'gina@example.com']);
    const unknown = await tries(['nobody_here', 'NOBODY_HERE', 'nóbody_here']);
    const unknownEmail = await tries(['ghost@example.com', 'Ghost@Example.com', 'GHOST@example.com']);
    for (const result of [existing, unknown, unknownEmail]) {
      expect(result.codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
      expect(result.locked).toBe('RATE_LIMITED');
      expect(result.retryAfter).toBeGreaterThan(50);
    }
    // Another unknown identifier still has its own allowance.
    expect(await failure(anon().auth.login.mutate({ login: 'someone_else', password }))).toBe('INVALID_CREDENTIALS');
  });

  it('stores no raw token, lists sessions, and logoutAll ends them', async () => {
    const first = await registerVerified('erin@example.com', 'erin');
    const second = await anon().auth.login.mutate({ login: 'erin', password });
    const rows = await server.deps.db.select().from(sessions);
    const dump = JSON.stringify(rows);
    for (const token of [first.token, second.token]) {
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.split('.')[1]);
    }
    const client = createTestClient(server.url, { token: second.token });
    const list = await client.auth.sessions.list.query();
    expect(list.filter((s) => s.current)).toHaveLength(1);
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(await client.auth.logoutAll.mutate()).toMatchObject({ revoked: list.length });
    expect(await createTestClient(server.url, { token: first.token }).auth.check.query()).toMatchObject({ valid: false });
  });

  it('password reset sets the password and ends every session, including an open WebSocket subscription', async () => {
    const account = await registerVerified('faye@example.com', 'faye');
    const client = createTestClient(server.url, { token: account.token });
    const ended = new Promise<unknown>((resolve, reject) => {
      client.auth.watchSession.subscribe(undefined, { onData: () => {}, onError: resolve, onComplete: () => reject(new Error('completed without error')) });
    });
    // Wait until the subscription is live before revoking.
    await new Promise<void>((resolve) => {
      const sub = createTestClient(server.url, { token: account.token }).auth.watchSession.subscribe(undefined, {
        onData: () => (sub.unsubscribe(), resolve()),
      });
    });

    const before = mail.messages.length;
    expect(await anon().auth.requestPasswordReset.mutate({ email: 'faye@example.com' })).toEqual({ status: 'reset_requested' });
    expect(await anon().auth.requestPasswordReset.mutate({ email: 'nobody@example.com' })).toEqual({ status: 'reset_requested' });
    const code = await codeFor('faye@example.com', before);
    const started = Date.now();
    await anon().auth.resetPassword.mutate({ email: 'faye@example.com', code, newPassword: 'a brand new password' });

    expect(appCodeOf(await ended)).toBe('UNAUTHORIZED');
    expect(Date.now() - started).toBeLessThan(1000);
    await closeChorusClient(client);
    expect(await failure(anon().auth.login.mutate({ login: 'faye', password }))).toBe('INVALID_CREDENTIALS');
    await expect(anon().auth.login.mutate({ login: 'faye', password: 'a brand new password' })).resolves.toHaveProperty('token');
  });
});
