import { appCodeOf, isChorusError, type AppErrorCode, type ChorusClient, type ChorusClientError } from '@chorus/client';
import { createTestClient } from './client';
import type { FakeResend } from './fake-resend';

export const TEST_PASSWORD = 'correct horse battery';

/** The typed app code a call fails with; throws if the call succeeds. */
export async function failure(promise: Promise<unknown>): Promise<AppErrorCode | null> {
  try {
    await promise;
  } catch (error) {
    return appCodeOf(error);
  }
  throw new Error('expected the call to fail');
}

/** The error a call fails with; throws if the call succeeds or fails with something else than a Chorus error. */
export async function chorusError(promise: Promise<unknown>): Promise<ChorusClientError> {
  try {
    await promise;
  } catch (error) {
    if (isChorusError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The app code and details of an error a Chorus call threw; rethrows any other error. */
export function appErrorOf(error: unknown): { code: string | null; details: Record<string, unknown> | null } {
  if (isChorusError(error)) return { code: error.data?.appCode ?? null, details: (error.data?.details as Record<string, unknown> | undefined) ?? null };
  throw error;
}

/** The app code and details of a failed call; throws if the call succeeds. */
export async function failureWithDetails(promise: Promise<unknown>): Promise<{ code: string | null; details: Record<string, unknown> | null }> {
  try {
    await promise;
  } catch (error) {
    return appErrorOf(error);
  }
  throw new Error('expected the call to fail');
}

export interface TestAccount {
  id: number;
  email: string;
  username: string;
  token: string;
  client: ChorusClient;
}

/**
 * Accounts made through the real API (register → mailed code → verify), reading codes from
 * the fake Resend server the test server delivers to.
 */
export function accountFactory(url: string, mail: FakeResend) {
  const anon = () => createTestClient(url);

  /** The code in the first mail to `email` received after `after` messages. */
  async function codeFor(email: string, after = 0): Promise<string> {
    const message = await mail.waitForMessage((m) => m.to.includes(email) && mail.messages.indexOf(m) >= after, 10_000);
    return mail.extractCode(message);
  }

  async function register(username: string, options: { email?: string; password?: string } = {}): Promise<TestAccount> {
    const email = options.email ?? `${username.toLowerCase()}@example.com`;
    const before = mail.messages.length;
    await anon().auth.register.mutate({ email, username, password: options.password ?? TEST_PASSWORD });
    const result = await anon().auth.verifyEmail.mutate({ email, code: await codeFor(email, before) });
    return { id: result.user.id, email, username, token: result.token, client: createTestClient(url, { token: result.token }) };
  }

  return { anon, codeFor, register };
}
