import { users, type TUserRow } from '@chorus/db';
import { and, eq, isNotNull, isNull, or } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';

/** The rule of `users.get`: verified accounts and guests, never banned ones. */
export const visibleUser = and(isNull(users.bannedAt), or(isNotNull(users.emailVerifiedAt), eq(users.isGuest, true)));

export function isVisibleUser(row: TUserRow): boolean {
  return row.bannedAt === null && (row.emailVerifiedAt !== null || row.isGuest);
}

export function noSuchUser(): AppError {
  return new AppError('NOT_FOUND', 'No such user');
}

/** Fails fast, before any transaction, on an id that names no one. */
export async function assertUserExists(db: DbOrTx, userId: number): Promise<void> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw noSuchUser();
}

/**
 * Locks both users' rows, lower id first, and returns them. Every friends write on a pair
 * starts with this, so writes on one pair run one after another (two users requesting each
 * other at once cannot both insert a pending request) and cannot deadlock each other.
 *
 * It must be the transaction's first statement: InnoDB takes the REPEATABLE READ snapshot at
 * the first non-locking read, so plain reads after it see everything committed before the
 * lock was granted. Callers check that the users exist first, so this locks records only,
 * never a gap of the users index.
 */
export async function lockPair(tx: DbOrTx, a: number, b: number): Promise<Map<number, TUserRow>> {
  const rows = new Map<number, TUserRow>();
  for (const id of [Math.min(a, b), Math.max(a, b)]) {
    const [row] = await tx.select().from(users).where(eq(users.id, id)).for('update');
    if (row) rows.set(id, row);
  }
  return rows;
}
