import { users, type TUserRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TAuthResult, TLoginInput } from './auth.schema';
import { recordLoginAttempt, type LoginOutcome } from './login-log';
import { burnPasswordCheck, verifyPassword } from './password';
import { assertAllowance, consumeOrThrow } from './rate-limits';
import { unknownLoginKey } from './login-key';
import { ipKey, type RequestMeta } from './request-meta';
import { createSession } from './session.service';
import { toPrivateUser } from './users.mapper';

const LOCKOUT_BASE_SECONDS = 60;
const LOCKOUT_MAX_SECONDS = 24 * 3600;

/**
 * Email-or-username login. Unknown user and wrong password get one answer in the same time,
 * and the same lockout after the same number of tries; each lockout lasts twice the previous one.
 */
export async function login(deps: AppDeps, input: TLoginInput, meta: RequestMeta): Promise<TAuthResult> {
  const identifier = input.login.includes('@') ? input.login.toLowerCase() : input.login;
  const fail = async (outcome: LoginOutcome, userId: number | null, error: AppError): Promise<never> => {
    await recordLoginAttempt(deps, { userId, login: identifier, outcome, meta });
    throw error;
  };
  try {
    await consumeOrThrow(deps.limiters.loginPerIp, ipKey(meta));
  } catch (error) {
    return fail('rate_limited', null, error as AppError);
  }

  const by = identifier.includes('@') ? 'email' : 'username';
  // Both queries run for every login, so the work does not depend on whether the account exists.
  const [[user], unknownKey] = await Promise.all([
    deps.db
      .select()
      .from(users)
      .where(eq(by === 'email' ? users.email : users.username, identifier))
      .limit(1),
    unknownLoginKey(deps.db, by, identifier),
  ]);
  const userId = user?.id ?? null;
  // Wrong passwords count against the account, or against the identifier when it names
  // none: the same number of tries, then the same RATE_LIMITED, whether or not it exists.
  const failureKey = user ? String(user.id) : unknownKey;
  try {
    await assertAllowance(deps.limiters.loginFailuresPerAccount, failureKey);
  } catch (error) {
    return fail('rate_limited', userId, error as AppError);
  }
  const matches = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : await burnPasswordCheck(input.password);
  if (!user || !matches) {
    await countFailure(deps, failureKey);
    return fail('invalid_credentials', userId, new AppError('INVALID_CREDENTIALS', 'Wrong login or password'));
  }

  // Only someone who knows the password learns the account's state.
  if (user.bannedAt) return fail('user_banned', user.id, new AppError('USER_BANNED', 'This account is banned', { details: { reason: user.banReason } }));
  if (!user.emailVerifiedAt) return fail('email_not_verified', user.id, new AppError('EMAIL_NOT_VERIFIED', 'Verify your email address first'));
  await deps.limiters.loginFailuresPerAccount.delete(failureKey);
  return signIn(deps, user, identifier, meta);
}

export async function signIn(deps: AppDeps, user: TUserRow, login: string, meta: RequestMeta, method = 'password'): Promise<TAuthResult> {
  const session = await createSession(deps, user.id, meta);
  await recordLoginAttempt(deps, { userId: user.id, login, outcome: 'ok', method, meta });
  return { token: session.token, expiresAt: session.expiresAt, user: toPrivateUser(user) };
}

async function countFailure(deps: AppDeps, key: string): Promise<void> {
  const state = await deps.limiters.loginFailuresPerAccount.penalty(key, 1);
  if (state.remainingPoints > 0) return;
  const lockouts = await deps.limiters.lockouts.penalty(key, 1);
  const seconds = Math.min(LOCKOUT_MAX_SECONDS, LOCKOUT_BASE_SECONDS * 2 ** (lockouts.consumedPoints - 1));
  await deps.limiters.loginFailuresPerAccount.block(key, seconds);
}
