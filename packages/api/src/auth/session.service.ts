import { sessions } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { lookUpSession, touchSession } from './session-lookup';
import { generateSessionToken, parseSessionToken, secretMatchesHash } from './session-token';
import type { ValidSession } from './session.types';

const DAY_MS = 24 * 60 * 60 * 1000;

export const sessionPolicy = {
  /** A session lives this long after its last renewal. */
  lifetimeMs: 30 * DAY_MS,
  /** Renewed on use once fewer than this remain. */
  renewWhenUnderMs: 15 * DAY_MS,
  /** Unused this long, it ends even before `expiresAt`. */
  inactivityTimeoutMs: 14 * DAY_MS,
  /** `lastSeenAt` is written at most this often per session. */
  touchEveryMs: 60 * 1000,
};

export interface SessionClientInfo {
  ip?: string | null;
  userAgent?: string | null;
}

export async function createSession(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  userId: number,
  client: SessionClientInfo = {},
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const { token, id, secretHash } = generateSessionToken();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + sessionPolicy.lifetimeMs);
  await deps.db.insert(sessions).values({
    id,
    secretHash,
    userId,
    expiresAt,
    lastSeenAt: now,
    createdAt: now,
    ip: client.ip?.slice(0, 45) ?? null,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
  });
  return { token, sessionId: id, expiresAt };
}

/**
 * Resolves a token to its live session, sliding the expiry forward when due. Expired,
 * inactive, malformed and banned-user tokens all resolve to null. A session validated in the
 * last few seconds is taken from the instance's cache (see SessionCache) when the caller
 * passes `revocations`; the secret is checked either way.
 */
export async function validateSessionToken(
  deps: Pick<AppDeps, 'db' | 'clock'> & Partial<Pick<AppDeps, 'revocations'>>,
  token: string,
): Promise<ValidSession | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const cache = deps.revocations?.sessions;
  const now = deps.clock.now().getTime();
  const cached = cache?.get(parsed.id, now);
  if (cached) {
    if (!secretMatchesHash(parsed.secret, cached.secretHash)) return null;
    if (cached.session.expiresAt.getTime() > now) return cached.session;
  }
  const readStarted = cache?.readStarted() ?? 0;
  const row = await lookUpSession(deps.db, parsed.id);
  if (!row || !secretMatchesHash(parsed.secret, row.session.secretHash)) return null;

  const { session, user } = row;
  const inactive = now - session.lastSeenAt.getTime() > sessionPolicy.inactivityTimeoutMs;
  if (session.expiresAt.getTime() <= now || inactive || user.bannedAt) {
    await deps.db.delete(sessions).where(eq(sessions.id, session.id));
    // Like every other end of a session: sockets still open with it stop being served.
    await deps.revocations?.publish([session.id]);
    return null;
  }

  let expiresAt = session.expiresAt;
  const renew = expiresAt.getTime() - now < sessionPolicy.renewWhenUnderMs;
  const touch = now - session.lastSeenAt.getTime() > sessionPolicy.touchEveryMs;
  if (renew || touch) {
    if (renew) expiresAt = new Date(now + sessionPolicy.lifetimeMs);
    await touchSession(deps.db, { id: session.id, expiresAt, lastSeenAt: new Date(now) });
  }
  const valid: ValidSession = {
    id: session.id,
    userId: user.id,
    expiresAt,
    user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, isGuest: user.isGuest },
  };
  cache?.set(session.id, { secretHash: session.secretHash, session: valid, userId: user.id, readAt: now }, readStarted);
  return valid;
}
