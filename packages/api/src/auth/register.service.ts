import { users, type Db, type TCodePurpose } from '@chorus/db';
import { and, eq, isNull, ne, or } from 'drizzle-orm';
import { duplicateKeyOf, retryOnDeadlock } from '../db-errors';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { enqueueMail } from '../mail';
import type { TRegisterInput } from './auth.schema';
import { CODE_TTL_MS, issueCode, resendWaitSeconds } from './codes';
import { hashPassword } from './password';
import { consumeOrThrow } from './rate-limits';
import { ipKey, type RequestMeta } from './request-meta';

/**
 * Creates an unverified account and emails it a code. Registering again with the email of
 * an account that was never verified replaces that attempt (an address cannot be squatted
 * by someone who does not own it).
 */
export async function register(deps: AppDeps, input: TRegisterInput, meta: RequestMeta): Promise<{ status: 'verification_sent' }> {
  await consumeOrThrow(deps.limiters.registerPerIp, ipKey(meta));
  await consumeOrThrow(deps.limiters.registerPerEmail, input.email);
  await assertAvailable(deps.db, input);
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  try {
    await retryOnDeadlock(() =>
      deps.db.transaction(async (tx) => {
        const [existing] = await tx.select().from(users).where(eq(users.email, input.email)).for('update');
        const values = {
          username: input.username,
          displayName: input.username,
          phone: input.phone ?? null,
          passwordHash,
          locale: input.locale ?? 'en',
          updatedAt: now,
        };
        if (existing?.emailVerifiedAt) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
        let userId: number;
        if (existing && !existing.isGuest) {
          await tx.update(users).set(values).where(eq(users.id, existing.id));
          userId = existing.id;
        } else {
          // A guest's unproven claim on the address never hands its account to a registrant.
          if (existing) await tx.update(users).set({ email: null }).where(eq(users.id, existing.id));
          const [result] = await tx.insert(users).values({ ...values, email: input.email, createdAt: now });
          userId = result.insertId;
        }
        await sendCode(tx, now, { userId, email: input.email, locale: values.locale, purpose: 'verify_email' });
      }, NO_GAP_LOCKS),
    );
  } catch (error) {
    throw conflictFrom(error) ?? error;
  }
  deps.mail.wake();
  return { status: 'verification_sent' };
}

/**
 * For transactions that issue a code or claim an email. Under REPEATABLE READ, locking a
 * missing email and `issueCode` replacing codes when there are none lock the gaps where new
 * rows go, and concurrent sign-ups then deadlock on each other's inserts. READ COMMITTED
 * locks only rows that exist: an existing holder of the email is still locked and replaced
 * in turn, and two claims of a new email meet on the unique index, where the later one
 * gets EMAIL_TAKEN.
 */
export const NO_GAP_LOCKS = { isolationLevel: 'read committed' } as const;

type TSendCodeArgs = {
  userId: number;
  email: string;
  locale: string;
  purpose: TCodePurpose;
  payload?: Record<string, string>;
};

/** Issues a code and queues its mail in the caller's transaction. */
export async function sendCode(tx: DbOrTx, now: Date, args: TSendCodeArgs): Promise<void> {
  const code = await issueCode(tx, now, args);
  const template = args.purpose === 'verify_email' ? 'verifyEmail' : args.purpose === 'reset_password' ? 'resetPassword' : 'changeEmail';
  await enqueueMail({ db: tx, clock: { now: () => now } }, { to: args.email, template, locale: args.locale, data: { code, minutes: CODE_TTL_MS / 60_000 } });
}

/**
 * Sends a code unless the user's last one for this purpose went out within the cooldown;
 * returns the seconds left then, or 0 once the code and its mail are queued. The user's row is
 * locked before the check, so two requests at once (a double submit, a client retry) take
 * turns: the later one, under READ COMMITTED, reads the code the earlier one committed and
 * sends nothing. Without the lock both would pass, and the second code would replace the one
 * the first mail carries. `beforeSend` runs once the check passes, so a rate limit's point is
 * not spent on a request the cooldown refuses.
 */
export async function sendCodeAfterCooldown(db: Db, now: Date, args: TSendCodeArgs, beforeSend?: () => Promise<unknown>): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, args.userId)).for('update');
    const wait = await resendWaitSeconds(tx, now, args.userId, args.purpose);
    if (wait > 0) return wait;
    await beforeSend?.();
    await sendCode(tx, now, args);
    return 0;
  }, NO_GAP_LOCKS);
}

/** Friendly errors before the expensive hash; the unique indexes still decide races. */
async function assertAvailable(db: DbOrTx, input: TRegisterInput): Promise<void> {
  // Rows of this same email are the caller's own unverified attempt, which register replaces.
  const someoneElse = or(isNull(users.email), ne(users.email, input.email));
  const [byName] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.username, input.username), someoneElse))
    .limit(1);
  if (byName) throw new AppError('USERNAME_TAKEN', 'This username is taken');
  if (!input.phone) return;
  const [byPhone] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.phone, input.phone), someoneElse))
    .limit(1);
  if (byPhone) throw new AppError('PHONE_TAKEN', 'This phone number is already used');
}

export function conflictFrom(error: unknown): AppError | null {
  const key = duplicateKeyOf(error);
  if (key === 'users_email_uq') return new AppError('EMAIL_TAKEN', 'An account with this email already exists');
  if (key === 'users_username_uq') return new AppError('USERNAME_TAKEN', 'This username is taken');
  if (key === 'users_phone_uq') return new AppError('PHONE_TAKEN', 'This phone number is already used');
  return null;
}
