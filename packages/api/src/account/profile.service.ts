import { users } from '@chorus/db';
import { and, eq, ne } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TPrivateUser } from '../auth/auth.schema';
import { conflictFrom } from '../auth/register.service';
import { getOwnUser } from '../auth/users.mapper';
import { prepareAvatar } from '../files/avatars';
import type { TUpdateProfileInput } from './account.schema';

/** Changes the caller's own profile fields; only the fields given change. */
export async function updateProfile(deps: Pick<AppDeps, 'db' | 'clock' | 'revocations'>, userId: number, input: TUpdateProfileInput): Promise<TPrivateUser> {
  if (input.username !== undefined) {
    const [holder] = await deps.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.username, input.username), ne(users.id, userId)))
      .limit(1);
    if (holder) throw new AppError('USERNAME_TAKEN', 'This username is taken');
  }
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  try {
    await deps.db
      .update(users)
      .set({ ...changes, updatedAt: deps.clock.now() })
      .where(eq(users.id, userId));
  } catch (error) {
    throw conflictFrom(error) ?? error;
  }
  // Sessions carry the user's name.
  if (input.username !== undefined || input.displayName !== undefined) await deps.revocations.publishUserChanged(userId);
  return getOwnUser(deps, userId);
}

/** Makes an uploaded image the caller's avatar (its standard sizes become public). */
export async function setAvatar(deps: Pick<AppDeps, 'db' | 'clock' | 'files'>, userId: number, fileId: string): Promise<TPrivateUser> {
  const avatarUrl = await prepareAvatar(deps, userId, fileId);
  await deps.db.update(users).set({ avatarUrl, updatedAt: deps.clock.now() }).where(eq(users.id, userId));
  return getOwnUser(deps, userId);
}
