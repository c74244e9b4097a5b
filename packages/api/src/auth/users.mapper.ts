import { users, type TUserRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TPrivateUser } from './auth.schema';

export async function getOwnUser(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TPrivateUser> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in to do this');
  return toPrivateUser(user);
}

/** Picks the fields the owner may see; a new column stays private until added here. */
export function toPrivateUser(row: TUserRow): TPrivateUser {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.displayName,
    phone: row.phone,
    bio: row.bio,
    avatarUrl: row.avatarUrl,
    role: row.role,
    isGuest: row.isGuest,
    locale: row.locale,
    emailVerified: row.emailVerifiedAt !== null,
    createdAt: row.createdAt,
    linkPreviews: row.linkPreviews,
  };
}
