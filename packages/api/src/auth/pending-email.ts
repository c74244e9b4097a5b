import { users } from '@chorus/db';
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/**
 * Frees `email` from rows that claim it without having proved it: a registration never
 * verified is dropped, a guest's pending upgrade forgets the address. Only the owner of an
 * address can verify it, so whoever proves it next wins, and typing someone else's address
 * never blocks them. Call inside the transaction that then claims the address.
 */
export async function releaseUnverifiedEmail(tx: DbOrTx, email: string, claimantId: number): Promise<void> {
  const unverifiedHolder = and(eq(users.email, email), isNull(users.emailVerifiedAt), ne(users.id, claimantId));
  await tx
    .update(users)
    .set({ email: null })
    .where(and(unverifiedHolder, eq(users.isGuest, true)));
  await tx.delete(users).where(and(unverifiedHolder, eq(users.isGuest, false)));
}
