import { SESSION_COOKIE } from '@chorus/api';
import { appCodeOf } from '@chorus/client';
import { createShiftableClock, failure, startMailedTestServer, TEST_PASSWORD, type FakeResend, type MailedTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const password = TEST_PASSWORD;
const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let accounts: MailedTestServer['accounts'];

beforeAll(async () => {
  ({ server, mail, accounts } = await startMailedTestServer({
    clock,
    appConfig: { cookieSecure: true, rateLimits: { registerPerEmail: { points: 2, seconds: 3600 }, codeSendPerEmail: { points: 2, seconds: 3600 } } },
  }));
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

async function callHttp(procedure: string, input: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ json: input }),
  });
}

describe('account errors', () => {
  it('PHONE_TAKEN when a phone number is already used', async () => {
    await accounts.anon().auth.register.mutate({ email: 'p1@example.com', username: 'phone_one', password, phone: '+8613800138000' });
    expect(await failure(accounts.anon().auth.register.mutate({ email: 'p2@example.com', username: 'phone_two', password, phone: '+8613800138000' }))).toBe(
      'PHONE_TAKEN',
    );
    expect(await failure(accounts.anon().auth.register.mutate({ email: 'p3@example.com', username: 'phone_three', password, phone: '13800138000' }))).toBe(
      'BAD_INPUT',
    );
  });

  it('CODE_EXPIRED after ten minutes, and a fresh code works', async () => {
    const before = mail.messages.length;
    await accounts.anon().auth.register.mutate({ email: 'late@example.com', username: 'late', password });
    const code = await accounts.codeFor('late@example.com', before);
    clock.advance(10 * 60 * 1000 + 1000);
    expect(await failure(accounts.anon().auth.verifyEmail.mutate({ email: 'late@example.com', code }))).toBe('CODE_EXPIRED');

    const again = mail.messages.length;
    await accounts.anon().auth.resendCode.mutate({ email: 'late@example.com', purpose: 'verify_email' });
    const fresh = await accounts.codeFor('late@example.com', again);
    await expect(accounts.anon().auth.verifyEmail.mutate({ email: 'late@example.com', code: fresh })).resolves.toHaveProperty('token');
  });

  it('burns a code after five wrong tries', async () => {
    const before = mail.messages.length;
    await accounts.anon().auth.register.mutate({ email: 'guess@example.com', username: 'guesser', password });
    const code = await accounts.codeFor('guess@example.com', before);
    const wrong = code === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i++)
      expect(await failure(accounts.anon().auth.verifyEmail.mutate({ email: 'guess@example.com', code: wrong }))).toBe('INVALID_CODE');
    expect(await failure(accounts.anon().auth.verifyEmail.mutate({ email: 'guess@example.com', code }))).toBe('INVALID_CODE');
  });

  it('RATE_LIMITED with retryAfter on repeated registrations and code sends', async () => {
    await accounts.anon().auth.register.mutate({ email: 'spam@example.com', username: 'spam1', password });
    // The 60 s cooldown between codes.
    const cooldown = await accounts
      .anon()
      .auth.resendCode.mutate({ email: 'spam@example.com', purpose: 'verify_email' })
      .catch((e: unknown) => e);
    expect(appCodeOf(cooldown)).toBe('RATE_LIMITED');
    expect(retryAfterOf(cooldown)).toBeGreaterThan(50);

    await accounts.anon().auth.register.mutate({ email: 'spam@example.com', username: 'spam2', password });
    const third = await accounts
      .anon()
      .auth.register.mutate({ email: 'spam@example.com', username: 'spam3', password })
      .catch((e: unknown) => e);
    expect(appCodeOf(third)).toBe('RATE_LIMITED');
    expect(retryAfterOf(third)).toBeGreaterThan(0);

    await accounts.register('resetter');
    for (let i = 0; i < 2; i++) await accounts.anon().auth.requestPasswordReset.mutate({ email: 'resetter@example.com' });
    expect(await failure(accounts.anon().auth.requestPasswordReset.mutate({ email: 'resetter@example.com' }))).toBe('RATE_LIMITED');
  });

  it('sets an HttpOnly, Secure, SameSite=Lax session cookie over HTTP that authenticates later calls', async () => {
    await accounts.register('cookie');
    const response = await callHttp('auth.login', { login: 'cookie', password });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const pair = cookie.split(';')[0]!;
    const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie: pair } });
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain('"username":"cookie"');
    expect((await fetch(`${server.url}/trpc/auth.me`)).status).toBe(401);

    const logout = await callHttp('auth.logout', undefined, { cookie: pair });
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie: pair } })).status).toBe(401);
  });

  it('retries mail through Resend failures until the code arrives', async () => {
    const before = mail.requests.length;
    mail.failNext(2, 500);
    const sent = mail.messages.length;
    await accounts.anon().auth.register.mutate({ email: 'flaky@example.com', username: 'flaky', password });
    const code = await accounts.codeFor('flaky@example.com', sent);
    const statuses = mail.requests.slice(before).map((request) => request.status);
    expect(statuses.slice(0, 3)).toEqual([500, 500, 200]);
    await expect(accounts.anon().auth.verifyEmail.mutate({ email: 'flaky@example.com', code })).resolves.toHaveProperty('token');
  });
});

function retryAfterOf(error: unknown): number {
  return (error as { data: { retryAfter: number } }).data.retryAfter;
}
