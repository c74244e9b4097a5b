import { randomInt } from 'node:crypto';
import { verificationCodes, type TCodePurpose } from '@chorus/db';
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { hashSecret, secretMatchesHash } from './session-token';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const CODE_MAX_TRIES = 5;
export const RESEND_COOLDOWN_MS = 60 * 1000;

/** Issues a fresh 6-digit code, replacing any live one for the same user and purpose. */
export async function issueCode(
  db: DbOrTx,
  now: Date,
  args: { userId: number; purpose: TCodePurpose; email: string; payload?: Record<string, string> },
): Promise<string> {
  const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
  await db
    .update(verificationCodes)
    .set({ consumedAt: now })
    .where(and(eq(verificationCodes.userId, args.userId), eq(verificationCodes.purpose, args.purpose), isNull(verificationCodes.consumedAt)));
  await db.insert(verificationCodes).values({
    userId: args.userId,
    purpose: args.purpose,
    email: args.email,
    codeHash: hashSecret(code),
    expiresAt: new Date(now.getTime() + CODE_TTL_MS),
    payload: args.payload ?? null,
    createdAt: now,
  });
  return code;
}

/** Seconds until a new code may be sent, or 0. */
export async function resendWaitSeconds(db: DbOrTx, now: Date, userId: number, purpose: TCodePurpose): Promise<number> {
  const [latest] = await latestCode(db, userId, purpose, false);
  if (!latest) return 0;
  const waitMs = latest.createdAt.getTime() + RESEND_COOLDOWN_MS - now.getTime();
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/**
 * Checks `code` against the live code and consumes it. A wrong code counts against the
 * code; the fifth wrong try burns it.
 */
export async function consumeCode(db: DbOrTx, now: Date, args: { userId: number; purpose: TCodePurpose; code: string }) {
  const [row] = await latestCode(db, args.userId, args.purpose, true);
  if (!row || row.failedAttempts >= CODE_MAX_TRIES) {
    throw new AppError('INVALID_CODE', 'This code is not valid; request a new one');
  }
  if (row.expiresAt.getTime() <= now.getTime()) throw new AppError('CODE_EXPIRED', 'This code has expired; request a new one');
  if (!secretMatchesHash(args.code, row.codeHash)) {
    // Atomic, so concurrent guesses cannot exceed the allowance.
    await db
      .update(verificationCodes)
      .set({ failedAttempts: sql`${verificationCodes.failedAttempts} + 1` })
      .where(and(eq(verificationCodes.id, row.id), lt(verificationCodes.failedAttempts, CODE_MAX_TRIES)));
    const attemptsLeft = Math.max(0, CODE_MAX_TRIES - row.failedAttempts - 1);
    throw new AppError('INVALID_CODE', 'Wrong code', { details: { attemptsLeft } });
  }
  const [result] = await db
    .update(verificationCodes)
    .set({ consumedAt: now })
    .where(and(eq(verificationCodes.id, row.id), isNull(verificationCodes.consumedAt)));
  // Two concurrent uses of one code: only one wins.
  if (result.affectedRows !== 1) throw new AppError('INVALID_CODE', 'This code is not valid; request a new one');
  return row;
}

function latestCode(db: DbOrTx, userId: number, purpose: TCodePurpose, liveOnly: boolean) {
  const conditions = [eq(verificationCodes.userId, userId), eq(verificationCodes.purpose, purpose)];
  if (liveOnly) conditions.push(isNull(verificationCodes.consumedAt));
  return db
    .select()
    .from(verificationCodes)
    .where(and(...conditions))
    .orderBy(desc(verificationCodes.id))
    .limit(1);
}
