import { sessions, users } from '@chorus/db';
import { eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';

/** The columns of a session and its user that validating a token reads. */
function buildLookup(db: AppDeps['db']) {
  return db
    .select({
      session: { id: sessions.id, secretHash: sessions.secretHash, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt },
      user: { id: users.id, username: users.username, displayName: users.displayName, role: users.role, isGuest: users.isGuest, bannedAt: users.bannedAt },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('id')))
    .limit(1)
    .prepare();
}

const lookups = new WeakMap<object, ReturnType<typeof buildLookup>>();

/**
 * A session and its user by session id: the query is built once per database handle, not on
 * every call (every WebSocket that connects runs it, thousands at once when clients of a dead
 * instance resume), and reads only the columns validation needs.
 */
export async function lookUpSession(db: AppDeps['db'], sessionId: string) {
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = buildLookup(db)));
  const [row] = await lookup.execute({ id: sessionId });
  return row;
}
