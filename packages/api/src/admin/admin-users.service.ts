import { users, type TUserRow } from '@chorus/db';
import { and, desc, eq, isNotNull, like, lt, or, type SQL } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import { enqueueMail } from '../mail';
import { deleteAllSessions } from '../auth/session-management';
import { escapeLike } from '../users/users.service';
import type { TAdminListUsersInput, TAdminUser, TAdminUserPage } from './admin.schema';

export async function listUsers(deps: Pick<AppDeps, 'db'>, input: TAdminListUsersInput): Promise<TAdminUserPage> {
  const conditions: SQL[] = [];
  if (input.status === 'banned') conditions.push(isNotNull(users.bannedAt));
  if (input.cursor) conditions.push(lt(users.id, input.cursor));
  if (input.query) {
    const prefix = `${escapeLike(input.query)}%`;
    conditions.push(or(like(users.email, prefix.toLowerCase()), like(users.username, prefix), like(users.displayName, prefix))!);
  }
  const rows = await deps.db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page.map(toAdminUser), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}

/**
 * Bans a user: every session ends at once (open sockets included), login answers
 * USER_BANNED, and the user is told by mail. Administrators must be demoted first.
 */
export async function banUser(deps: AppDeps, adminId: number, input: { userId: number; reason: string }): Promise<TAdminUser> {
  if (input.userId === adminId) throw new AppError('FORBIDDEN', 'You cannot ban yourself');
  const now = deps.clock.now();
  const revoked = await deps.db.transaction(async (tx) => {
    const user = await lockUser(tx, input.userId);
    if (user.role === 'admin') throw new AppError('FORBIDDEN', 'Administrators cannot be banned');
    await tx
      .update(users)
      .set({ bannedAt: user.bannedAt ?? now, banReason: input.reason, updatedAt: now })
      .where(eq(users.id, user.id));
    if (user.email && user.emailVerifiedAt && !user.bannedAt) {
      await enqueueMail({ db: tx, clock: deps.clock }, { to: user.email, template: 'accountBanned', locale: user.locale, data: { reason: input.reason } });
    }
    return deleteAllSessions(tx, user.id);
  });
  await deps.revocations.publish(revoked);
  deps.mail.wake();
  return getAdminUser(deps, input.userId);
}

export async function unbanUser(deps: Pick<AppDeps, 'db' | 'clock'>, input: { userId: number }): Promise<TAdminUser> {
  const [result] = await deps.db.update(users).set({ bannedAt: null, banReason: null, updatedAt: deps.clock.now() }).where(eq(users.id, input.userId));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'No such user');
  return getAdminUser(deps, input.userId);
}

async function getAdminUser(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TAdminUser> {
  const [row] = await deps.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such user');
  return toAdminUser(row);
}

async function lockUser(tx: DbOrTx, userId: number): Promise<TUserRow> {
  const [row] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
  if (!row) throw new AppError('NOT_FOUND', 'No such user');
  return row;
}

function toAdminUser(row: TUserRow): TAdminUser {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    isGuest: row.isGuest,
    emailVerified: row.emailVerifiedAt !== null,
    bannedAt: row.bannedAt,
    banReason: row.banReason,
    createdAt: row.createdAt,
  };
}
