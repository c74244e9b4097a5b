import { sessions } from '@chorus/db';
import { and, desc, eq, ne } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { AppError } from '../errors';
import type { TSessionInfo } from './auth.schema';

export async function listSessions(deps: Pick<AppDeps, 'db'>, userId: number, currentSessionId: string): Promise<TSessionInfo[]> {
  const rows = await deps.db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.lastSeenAt));
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    expiresAt: row.expiresAt,
    ip: row.ip,
    userAgent: row.userAgent,
    current: row.id === currentSessionId,
  }));
}

/** Ends one of the user's own sessions; someone else's id is simply not found. */
export async function revokeSession(deps: Pick<AppDeps, 'db' | 'revocations'>, userId: number, sessionId: string): Promise<void> {
  const [result] = await deps.db.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'No such session');
  await deps.revocations.publish([sessionId]);
}

/**
 * Ends every session of a user (optionally but one), on HTTP at once and on open
 * WebSockets through the revocation channel. Pass `db` as a transaction to delete with
 * other changes; then call `publish` after commit.
 */
export async function deleteAllSessions(db: DbOrTx, userId: number, exceptSessionId?: string): Promise<string[]> {
  const where = exceptSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId)) : eq(sessions.userId, userId);
  const ids = (await db.select({ id: sessions.id }).from(sessions).where(where)).map((row) => row.id);
  if (ids.length > 0) await db.delete(sessions).where(where);
  return ids;
}

export async function revokeAllSessions(deps: Pick<AppDeps, 'db' | 'revocations'>, userId: number, exceptSessionId?: string): Promise<number> {
  const ids = await deleteAllSessions(deps.db, userId, exceptSessionId);
  await deps.revocations.publish(ids);
  return ids.length;
}

/** Whether the session row still exists (revocation check for long-lived connections). */
export async function sessionExists(db: DbOrTx, sessionId: string): Promise<boolean> {
  const [row] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  return row !== undefined;
}

/** This close to the expiry a WebSocket saw at connect, its session is looked up again (HTTP use may have renewed it). */
const RECHECK_BEFORE_EXPIRY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a WebSocket's session, valid when the socket connected, still is. Every path that
 * ends sessions publishes a revocation, which aborts `revoked` on every instance; so until the
 * session nears its expiry no query is needed. Without a watch, the database decides.
 */
export async function webSocketSessionLive(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  session: { id: string; expiresAt: Date },
  revoked: { readonly aborted: boolean } | undefined,
): Promise<boolean> {
  if (revoked?.aborted) return false;
  if (revoked && session.expiresAt.getTime() - deps.clock.now().getTime() > RECHECK_BEFORE_EXPIRY_MS) return true;
  return sessionExists(deps.db, session.id);
}

/**
 * Yields the session once, then stays open until the caller unsubscribes; authedProcedure
 * ends it with UNAUTHORIZED when the session is revoked, so a client learns at once that it
 * was signed out elsewhere.
 */
export async function* watchSession(session: { id: string; expiresAt: Date }, signal: AbortSignal | undefined) {
  yield { sessionId: session.id, expiresAt: session.expiresAt };
  await new Promise<void>((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
