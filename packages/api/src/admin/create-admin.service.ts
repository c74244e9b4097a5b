import { users } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { ZEmail, ZPassword, ZUsername } from '../auth/auth.schema';
import { hashPassword } from '../auth/password';
import { conflictFrom } from '../auth/register.service';

export interface CreateAdminInput {
  email: string;
  /** Needed only when no account has this email yet. */
  username?: string;
  password?: string;
}

/**
 * Makes the account with `email` an administrator, creating a verified one when none exists.
 * For operators (the `admin:create` script); no procedure exposes it.
 */
export async function createOrPromoteAdmin(
  deps: Pick<AppDeps, 'db' | 'clock'> & { revocations: Pick<AppDeps['revocations'], 'publishUserChanged'> },
  input: CreateAdminInput,
): Promise<{ userId: number; created: boolean }> {
  const email = ZEmail.parse(input.email);
  const now = deps.clock.now();
  const [existing] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1);
  if (existing) {
    // The operator vouches for the address.
    await deps.db
      .update(users)
      .set({ role: 'admin', isGuest: false, emailVerifiedAt: existing.emailVerifiedAt ?? now, updatedAt: now })
      .where(eq(users.id, existing.id));
    await deps.revocations.publishUserChanged(existing.id);
    return { userId: existing.id, created: false };
  }
  if (!input.username || !input.password) throw new AppError('BAD_INPUT', 'No account has this email: give a username and a password to create one');
  const username = ZUsername.parse(input.username);
  const passwordHash = await hashPassword(ZPassword.parse(input.password));
  try {
    const [result] = await deps.db.insert(users).values({
      email,
      username,
      displayName: username,
      passwordHash,
      role: 'admin',
      emailVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    return { userId: result.insertId, created: true };
  } catch (error) {
    throw conflictFrom(error) ?? error;
  }
}
