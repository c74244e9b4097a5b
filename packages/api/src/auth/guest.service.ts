import { randomBytes } from 'node:crypto';
import { users } from '@chorus/db';
import { and, eq, ne } from 'drizzle-orm';
import { retryOnDeadlock } from '../db-errors';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TAuthResult, TUpgradeGuestInput } from './auth.schema';
import { recordLoginAttempt } from './login-log';
import { hashPassword } from './password';
import { releaseUnverifiedEmail } from './pending-email';
import { consumeOrThrow } from './rate-limits';
import { NO_GAP_LOCKS, conflictFrom, sendCode } from './register.service';
import { ipKey, type RequestMeta } from './request-meta';
import { createSession } from './session.service';
import { toPrivateUser } from './users.mapper';

/** A guest: a random name, no email or password, signed in at once. */
export async function createGuest(deps: AppDeps, meta: RequestMeta, locale = 'en'): Promise<TAuthResult> {
  await consumeOrThrow(deps.limiters.guestPerIp, ipKey(meta));
  const now = deps.clock.now();
  const suffix = randomBytes(5).toString('hex');
  const row = { username: `guest_${suffix}`, displayName: `Guest ${suffix.slice(0, 4)}`, isGuest: true, locale, createdAt: now, updatedAt: now };
  const [result] = await deps.db.insert(users).values(row);
  const session = await createSession(deps, result.insertId, meta);
  await recordLoginAttempt(deps, { userId: result.insertId, login: row.username, outcome: 'ok', method: 'guest', meta });
  const [user] = await deps.db.select().from(users).where(eq(users.id, result.insertId));
  return { token: session.token, expiresAt: session.expiresAt, user: toPrivateUser(user!) };
}

/**
 * Gives a guest an email, username and password, keeping its id and everything it owns,
 * and emails a code; `auth.verifyEmail` with that code completes the upgrade. Until then
 * the guest stays a guest and keeps its session.
 */
export async function upgradeGuest(deps: AppDeps, userId: number, input: TUpgradeGuestInput, meta: RequestMeta): Promise<{ status: 'verification_sent' }> {
  await consumeOrThrow(deps.limiters.registerPerIp, ipKey(meta));
  await consumeOrThrow(deps.limiters.codeSendPerEmail, input.email);
  const [guest] = await deps.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!guest?.isGuest) throw new AppError('CONFLICT', 'This account is not a guest');
  const [byName] = await deps.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.username, input.username), ne(users.id, userId)))
    .limit(1);
  if (byName) throw new AppError('USERNAME_TAKEN', 'This username is taken');
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  try {
    await retryOnDeadlock(() =>
      deps.db.transaction(async (tx) => {
        const [holder] = await tx.select({ id: users.id, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.email, input.email)).for('update');
        if (holder?.verifiedAt) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
        await releaseUnverifiedEmail(tx, input.email, userId);
        await tx.update(users).set({ email: input.email, username: input.username, passwordHash, updatedAt: now }).where(eq(users.id, userId));
        await sendCode(tx, now, { userId, email: input.email, locale: guest.locale, purpose: 'verify_email' });
      }, NO_GAP_LOCKS),
    );
  } catch (error) {
    throw conflictFrom(error) ?? error;
  }
  // The guest's session carries its username.
  await deps.revocations.publishUserChanged(userId);
  deps.mail.wake();
  return { status: 'verification_sent' };
}
