import { users, verificationCodes } from '@chorus/db';
import { appCodeOf } from '@chorus/client';
import { startMailedTestServer, TEST_PASSWORD, type MailedTestServer } from '@chorus/testing';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let harness: MailedTestServer;

beforeAll(async () => {
  harness = await startMailedTestServer({
    appConfig: { rateLimits: { registerPerIp: { points: 1000, seconds: 3600 }, registerPerEmail: { points: 100, seconds: 3600 } } },
  });
});
afterAll(async () => {
  await harness?.stop();
});

const register = (email: string, username: string) => harness.accounts.anon().auth.register.mutate({ email, username, password: TEST_PASSWORD });

/** 'ok' or the typed code of the failure (null when the error carried none, e.g. a 500). */
async function outcome(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return appCodeOf(error);
  }
}

describe('concurrent sign-ups', () => {
  it('fifty at once all succeed, each with its live code and its mail', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `crowd${i}`);
    const outcomes = await Promise.all(names.map((name) => outcome(register(`${name}@example.com`, name))));
    expect(outcomes).toEqual(names.map(() => 'ok'));

    const { db } = harness.server.deps;
    const rows = await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.username, names));
    expect(rows.map((row) => row.username).sort()).toEqual([...names].sort());
    const codes = await db
      .select({ userId: verificationCodes.userId })
      .from(verificationCodes)
      .where(
        and(
          inArray(
            verificationCodes.userId,
            rows.map((row) => row.id),
          ),
          eq(verificationCodes.purpose, 'verify_email'),
          isNull(verificationCodes.consumedAt),
        ),
      );
    expect(codes.map((code) => code.userId).sort((a, b) => a - b)).toEqual(rows.map((row) => row.id).sort((a, b) => a - b));

    const mailed = await Promise.all(names.map((name) => harness.accounts.codeFor(`${name}@example.com`)));
    expect(mailed.every((code) => /^\d{6}$/.test(code))).toBe(true);
    const verified = await harness.accounts.anon().auth.verifyEmail.mutate({ email: 'crowd7@example.com', code: mailed[7]! });
    expect(verified.user.username).toBe('crowd7');
    // Fifty argon2 hashes on a shared machine.
  }, 60_000);

  it('one username raced by many: one account, the others USERNAME_TAKEN', async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => outcome(register(`samename${i}@example.com`, 'samename'))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual(Array.from({ length: 7 }, () => 'USERNAME_TAKEN'));
    const rows = await harness.server.deps.db.select().from(users).where(eq(users.username, 'samename'));
    expect(rows).toHaveLength(1);
  });

  it('one new email raced by many: one account holding one live code, the others ok (a re-registration) or EMAIL_TAKEN', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `sameemail${i}`);
    const outcomes = await Promise.all(names.map((name) => outcome(register('same@example.com', name))));
    for (const result of outcomes) expect(['ok', 'EMAIL_TAKEN']).toContain(result);
    expect(outcomes).toContain('ok');

    const { db } = harness.server.deps;
    const holders = await db.select().from(users).where(eq(users.email, 'same@example.com'));
    expect(holders).toHaveLength(1);
    expect(names.filter((_, i) => outcomes[i] === 'ok')).toContain(holders[0]!.username);
    const live = await db
      .select()
      .from(verificationCodes)
      .where(and(eq(verificationCodes.userId, holders[0]!.id), eq(verificationCodes.purpose, 'verify_email'), isNull(verificationCodes.consumedAt)));
    expect(live).toHaveLength(1);
  });
});
