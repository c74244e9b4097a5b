import { users } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TAuthResult, TResendCodeInput, TVerifyEmailInput } from './auth.schema';
import { consumeCode } from './codes';
import { recordLoginAttempt } from './login-log';
import { consumeOrThrow, rateLimited } from './rate-limits';
import { sendCodeAfterCooldown } from './register.service';
import { ipKey, type RequestMeta } from './request-meta';
import { createSession } from './session.service';
import { toPrivateUser } from './users.mapper';

/**
 * Sends a new code after the cooldown. Unknown, verified (for verify_email) or guest
 * addresses get the same answer and no mail, so the answer reveals nothing.
 */
export async function resendCode(deps: AppDeps, input: TResendCodeInput, meta: RequestMeta): Promise<{ status: 'code_sent' }> {
  await consumeOrThrow(deps.limiters.codeSendPerIp, ipKey(meta));
  const [user] = await deps.db.select().from(users).where(eq(users.email, input.email)).limit(1);
  const eligible = user && !user.bannedAt && (input.purpose === 'verify_email' ? !user.emailVerifiedAt : !!user.emailVerifiedAt);
  if (!eligible) return { status: 'code_sent' };
  const args = { userId: user.id, email: input.email, locale: user.locale, purpose: input.purpose };
  const wait = await sendCodeAfterCooldown(deps.db, deps.clock.now(), args, () => consumeOrThrow(deps.limiters.codeSendPerEmail, input.email));
  if (wait > 0) throw rateLimited(wait * 1000);
  deps.mail.wake();
  return { status: 'code_sent' };
}

/** Activates the account with its emailed code and signs it in. */
export async function verifyEmail(deps: AppDeps, input: TVerifyEmailInput, meta: RequestMeta): Promise<TAuthResult> {
  await consumeOrThrow(deps.limiters.codeCheckPerIp, ipKey(meta));
  const now = deps.clock.now();
  const [user] = await deps.db.select().from(users).where(eq(users.email, input.email)).limit(1);
  if (!user || user.emailVerifiedAt) throw new AppError('INVALID_CODE', 'This code is not valid; request a new one');
  await consumeCode(deps.db, now, { userId: user.id, purpose: 'verify_email', code: input.code });
  if (user.bannedAt) throw new AppError('USER_BANNED', 'This account is banned');
  await deps.db.update(users).set({ emailVerifiedAt: now, isGuest: false, updatedAt: now }).where(eq(users.id, user.id));
  // An upgrading guest's own session is no longer a guest's.
  await deps.revocations.publishUserChanged(user.id);
  const session = await createSession(deps, user.id, meta);
  await recordLoginAttempt(deps, { userId: user.id, login: input.email, outcome: 'ok', method: 'email_code', meta });
  return { token: session.token, expiresAt: session.expiresAt, user: toPrivateUser({ ...user, emailVerifiedAt: now, isGuest: false }) };
}
