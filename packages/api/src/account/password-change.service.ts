import { users } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { enqueueMail } from '../mail';
import { hashPassword, verifyPassword } from '../auth/password';
import { consumeOrThrow } from '../auth/rate-limits';
import { deleteAllSessions } from '../auth/session-management';
import type { TChangePasswordInput } from './account.schema';

/** Needs the current password; ends every other session of the account. */
export async function changePassword(
  deps: AppDeps,
  session: { userId: number; sessionId: string },
  input: TChangePasswordInput,
): Promise<{ revokedSessions: number }> {
  await consumeOrThrow(deps.limiters.passwordChangePerAccount, String(session.userId));
  const [user] = await deps.db.select().from(users).where(eq(users.id, session.userId)).limit(1);
  if (!user?.passwordHash) throw new AppError('ACCOUNT_REQUIRED', 'Guests have no password; upgrade the account first');
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong');
  }
  const passwordHash = await hashPassword(input.newPassword);
  const now = deps.clock.now();
  const revoked = await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, user.id));
    if (user.email) await enqueueMail({ db: tx, clock: deps.clock }, { to: user.email, template: 'passwordChanged', locale: user.locale, data: {} });
    return deleteAllSessions(tx, user.id, session.sessionId);
  });
  await deps.revocations.publish(revoked);
  deps.mail.wake();
  return { revokedSessions: revoked.length };
}
