import { users, type TUserRow } from '@chorus/db';
import { and, asc, eq, isNotNull, isNull, like, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TPublicUser, TSearchUsersInput } from './users.schema';

/**
 * Users others may see: verified accounts and guests. A registration never verified is no
 * one yet, and banned accounts are hidden.
 */
const visible = and(isNull(users.bannedAt), or(isNotNull(users.emailVerifiedAt), eq(users.isGuest, true)));

export async function getPublicUser(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TPublicUser> {
  const [row] = await deps.db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), visible))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such user');
  return toPublicUser(row);
}

/** Prefix search on username and display name; exact username matches first. */
export async function searchUsers(deps: Pick<AppDeps, 'db'>, input: TSearchUsersInput): Promise<TPublicUser[]> {
  const prefix = `${escapeLike(input.query)}%`;
  const rows = await deps.db
    .select()
    .from(users)
    .where(and(visible, or(like(users.username, prefix), like(users.displayName, prefix))))
    .orderBy(sql`${users.username} = ${input.query} desc`, asc(users.username))
    .limit(input.limit);
  return rows.map(toPublicUser);
}

export function toPublicUser(row: TUserRow): TPublicUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    bio: row.bio,
    avatarUrl: row.avatarUrl,
    isGuest: row.isGuest,
    createdAt: row.createdAt,
  };
}

/** `text` with LIKE's wildcards escaped, for prefix searches. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
