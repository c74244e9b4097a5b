import { users } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { enqueueMail } from '../mail';
import type { TResetPasswordInput } from './auth.schema';
import { consumeCode } from './codes';
import { hashPassword } from './password';
import { consumeOrThrow } from './rate-limits';
import { sendCodeAfterCooldown } from './register.service';
import { ipKey, type RequestMeta } from './request-meta';
import { deleteAllSessions } from './session-management';

/** Same answer, whether or not the address has an account: nothing to enumerate. */
export async function requestPasswordReset(deps: AppDeps, email: string, meta: RequestMeta): Promise<{ status: 'reset_requested' }> {
  await consumeOrThrow(deps.limiters.codeSendPerIp, ipKey(meta));
  await consumeOrThrow(deps.limiters.codeSendPerEmail, email);
  const [user] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1);
  if (user?.emailVerifiedAt && !user.bannedAt) {
    // Within the cooldown nothing is sent, and the answer stays the same.
    await sendCodeAfterCooldown(deps.db, deps.clock.now(), { userId: user.id, email, locale: user.locale, purpose: 'reset_password' });
    deps.mail.wake();
  }
  return { status: 'reset_requested' };
}

/** Sets a new password with the emailed code and ends every session of the account. */
export async function resetPassword(deps: AppDeps, input: TResetPasswordInput, meta: RequestMeta): Promise<{ status: 'password_reset' }> {
  await consumeOrThrow(deps.limiters.codeCheckPerIp, ipKey(meta));
  const [user] = await deps.db.select().from(users).where(eq(users.email, input.email)).limit(1);
  if (!user?.emailVerifiedAt) throw new AppError('INVALID_CODE', 'This code is not valid; request a new one');
  const now = deps.clock.now();
  await consumeCode(deps.db, now, { userId: user.id, purpose: 'reset_password', code: input.code });
  const passwordHash = await hashPassword(input.newPassword);
  const revoked = await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, user.id));
    await enqueueMail({ db: tx, clock: deps.clock }, { to: input.email, template: 'passwordChanged', locale: user.locale, data: {} });
    return deleteAllSessions(tx, user.id);
  });
  await deps.revocations.publish(revoked);
  await deps.limiters.loginFailuresPerAccount.delete(String(user.id));
  deps.mail.wake();
  return { status: 'password_reset' };
}
