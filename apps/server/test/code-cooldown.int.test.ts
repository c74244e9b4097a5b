import { mailOutbox } from '@chorus/db';
import { appCodeOf } from '@chorus/client';
import { createShiftableClock, startMailedTestServer, TEST_PASSWORD, type FakeResend, type MailedTestServer, type TestServer } from '@chorus/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two requests for a code at once (a double submit, a client retry) must send one mail:
// a second code would replace the first, and the first mail's code would then be refused.

const clock = createShiftableClock();
let server: TestServer;
let mail: FakeResend;
let accounts: MailedTestServer['accounts'];

beforeAll(async () => {
  ({ server, mail, accounts } = await startMailedTestServer({ clock }));
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

/** Mails queued to `address` with `template`: every code mail goes through the outbox, in the transaction that issues the code. */
async function queued(address: string, template: string): Promise<number> {
  const rows = await server.deps.db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.toAddress, address), eq(mailOutbox.template, template)));
  return rows.length;
}

/** Both outcomes of two calls made at once, fulfilled values as they are and failures as their app codes. */
async function together<T>(call: () => Promise<T>): Promise<Array<T | string | null>> {
  const results = await Promise.allSettled([call(), call()]);
  return results.map((result) => (result.status === 'fulfilled' ? result.value : appCodeOf(result.reason)));
}

describe('code cooldown under concurrent requests', () => {
  it('two resendCode calls at once send one code, which verifies; the other call gets RATE_LIMITED', async () => {
    const email = 'twice.verify@example.com';
    const registered = mail.messages.length;
    await accounts.anon().auth.register.mutate({ email, username: 'twice_verify', password: TEST_PASSWORD });
    // Delivered before counting, so the registration's code is not taken for the new one.
    await accounts.codeFor(email, registered);
    clock.advance(61_000);
    const before = mail.messages.length;

    const outcomes = await together(() => accounts.anon().auth.resendCode.mutate({ email, purpose: 'verify_email' }));

    expect(outcomes).toEqual(expect.arrayContaining([{ status: 'code_sent' }, 'RATE_LIMITED']));
    // The registration's mail and one resend.
    expect(await queued(email, 'verifyEmail')).toBe(2);
    const code = await accounts.codeFor(email, before);
    await expect(accounts.anon().auth.verifyEmail.mutate({ email, code })).resolves.toHaveProperty('token');
  });

  it('two requestPasswordReset calls at once send one code, which resets; both get the same answer', async () => {
    const account = await accounts.register('twice_reset');
    const before = mail.messages.length;

    const outcomes = await together(() => accounts.anon().auth.requestPasswordReset.mutate({ email: account.email }));

    expect(outcomes).toEqual([{ status: 'reset_requested' }, { status: 'reset_requested' }]);
    expect(await queued(account.email, 'resetPassword')).toBe(1);
    const code = await accounts.codeFor(account.email, before);
    await expect(accounts.anon().auth.resetPassword.mutate({ email: account.email, code, newPassword: 'a brand new password' })).resolves.toEqual({
      status: 'password_reset',
    });
  });

  it('two changeEmail calls at once send one code, which confirms; the other call gets RATE_LIMITED', async () => {
    const account = await accounts.register('twice_change');
    const newEmail = 'twice.change.new@example.com';
    const before = mail.messages.length;

    const outcomes = await together(() => account.client.account.changeEmail.mutate({ newEmail }));

    expect(outcomes).toEqual(expect.arrayContaining([{ status: 'code_sent' }, 'RATE_LIMITED']));
    expect(await queued(newEmail, 'changeEmail')).toBe(1);
    const code = await accounts.codeFor(newEmail, before);
    await expect(account.client.account.confirmEmailChange.mutate({ code })).resolves.toMatchObject({ email: newEmail, emailVerified: true });
  });
});
