import { users } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TPrivateUser } from '../auth/auth.schema';
import { consumeCode } from '../auth/codes';
import { releaseUnverifiedEmail } from '../auth/pending-email';
import { consumeOrThrow, rateLimited } from '../auth/rate-limits';
import { conflictFrom, NO_GAP_LOCKS, sendCodeAfterCooldown } from '../auth/register.service';
import { ipKey, type RequestMeta } from '../auth/request-meta';
import { getOwnUser } from '../auth/users.mapper';

/** Emails a code to the new address; the email changes only when that code comes back. */
export async function requestEmailChange(deps: AppDeps, userId: number, newEmail: string, meta: RequestMeta): Promise<{ status: 'code_sent' }> {
  await consumeOrThrow(deps.limiters.codeSendPerIp, ipKey(meta));
  const user = await fullAccount(deps, userId);
  if (user.email === newEmail) throw new AppError('BAD_INPUT', 'This is already your email address');
  await assertEmailFree(deps, newEmail);
  const args = { userId, email: newEmail, locale: user.locale, purpose: 'change_email' } as const;
  const wait = await sendCodeAfterCooldown(deps.db, deps.clock.now(), args, () => consumeOrThrow(deps.limiters.codeSendPerEmail, newEmail));
  if (wait > 0) throw rateLimited(wait * 1000);
  deps.mail.wake();
  return { status: 'code_sent' };
}

/** Makes the address the code was sent to the account's email. */
export async function confirmEmailChange(deps: AppDeps, userId: number, code: string, meta: RequestMeta): Promise<TPrivateUser> {
  await consumeOrThrow(deps.limiters.codeCheckPerIp, ipKey(meta));
  await fullAccount(deps, userId);
  const now = deps.clock.now();
  const consumed = await consumeCode(deps.db, now, { userId, purpose: 'change_email', code });
  try {
    await deps.db.transaction(async (tx) => {
      const [holder] = await tx.select({ verifiedAt: users.emailVerifiedAt, id: users.id }).from(users).where(eq(users.email, consumed.email)).for('update');
      if (holder?.verifiedAt && holder.id !== userId) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
      await releaseUnverifiedEmail(tx, consumed.email, userId);
      await tx.update(users).set({ email: consumed.email, emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, userId));
    }, NO_GAP_LOCKS);
  } catch (error) {
    throw conflictFrom(error) ?? error;
  }
  return getOwnUser(deps, userId);
}

async function fullAccount(deps: Pick<AppDeps, 'db'>, userId: number) {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in to do this');
  // A guest proves its first address through auth.upgradeGuest instead.
  if (user.isGuest || !user.emailVerifiedAt) throw new AppError('ACCOUNT_REQUIRED', 'Only verified accounts can change their email');
  return user;
}

async function assertEmailFree(deps: Pick<AppDeps, 'db'>, email: string): Promise<void> {
  const [holder] = await deps.db.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.email, email)).limit(1);
  if (holder?.verifiedAt) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
}
