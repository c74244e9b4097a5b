import { users, type TUserRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TAuthResult, TLoginInput } from './auth.schema';
import { recordLoginAttempt, type LoginOutcome } from './login-log';
import { burnPasswordCheck, verifyPassword } from './password';
import { assertAllowance, consumeOrThrow } from './rate-limits';
import { ipKey, type RequestMeta } from './request-meta';
import { createSession } from './session.service';
import { toPrivateUser } from './users.mapper';

const LOCKOUT_BASE_SECONDS = 60;
const LOCKOUT_MAX_SECONDS = 24 * 3600;

/**
 * Email-or-username login. Unknown user and wrong password get one answer in the same time.
 * Wrong passwords count against the account; each lockout lasts twice the previous one.
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

  const column = identifier.includes('@') ? users.email : users.username;
  const [user] = await deps.db.select().from(users).where(eq(column, identifier)).limit(1);
  const invalid = new AppError('INVALID_CREDENTIALS', 'Wrong login or password');
  if (!user?.passwordHash) {
    await burnPasswordCheck(input.password);
    return fail('invalid_credentials', user?.id ?? null, invalid);
  }
  const accountKey = String(user.id);
  try {
    await assertAllowance(deps.limiters.loginFailuresPerAccount, accountKey);
  } catch (error) {
    return fail('rate_limited', user.id, error as AppError);
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await countFailure(deps, accountKey);
    return fail('invalid_credentials', user.id, invalid);
  }

  // Only someone who knows the password learns the account's state.
  if (user.bannedAt) return fail('user_banned', user.id, new AppError('USER_BANNED', 'This account is banned', { details: { reason: user.banReason } }));
  if (!user.emailVerifiedAt) return fail('email_not_verified', user.id, new AppError('EMAIL_NOT_VERIFIED', 'Verify your email address first'));
  await deps.limiters.loginFailuresPerAccount.delete(accountKey);
  return signIn(deps, user, identifier, meta);
}

export async function signIn(deps: AppDeps, user: TUserRow, login: string, meta: RequestMeta, method = 'password'): Promise<TAuthResult> {
  const session = await createSession(deps, user.id, meta);
  await recordLoginAttempt(deps, { userId: user.id, login, outcome: 'ok', method, meta });
  return { token: session.token, expiresAt: session.expiresAt, user: toPrivateUser(user) };
}

async function countFailure(deps: AppDeps, accountKey: string): Promise<void> {
  const state = await deps.limiters.loginFailuresPerAccount.penalty(accountKey, 1);
  if (state.remainingPoints > 0) return;
  const lockouts = await deps.limiters.lockouts.penalty(accountKey, 1);
  const seconds = Math.min(LOCKOUT_MAX_SECONDS, LOCKOUT_BASE_SECONDS * 2 ** (lockouts.consumedPoints - 1));
  await deps.limiters.loginFailuresPerAccount.block(accountKey, seconds);
}
