import { sessions, users } from '@chorus/db';
import type { TestDatabase } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../kernel';
import type { SessionRevocations } from '../realtime/session-revocations';
import { webSocketSessionLive } from './session-management';
import { createSession, sessionPolicy, validateSessionToken } from './session.service';
import { hashSecret } from './session-token';
import { DAY, databaseWithUser } from './session-test-database';

let database: TestDatabase;
let userId: number;

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

beforeAll(async () => {
  ({ database, userId } = await databaseWithUser('ada', 'Ada'));
});
afterAll(async () => {
  await database?.drop();
});

describe('sessions', () => {
  it('stores only a hash of the secret and resolves the token to its user', async () => {
    const clock = manualClock();
    const { token, sessionId } = await createSession({ db: database.db, clock }, userId, { ip: '127.0.0.1', userAgent: 'vitest' });
    const [row] = await database.db.select().from(sessions).where(eq(sessions.id, sessionId));
    const secret = token.split('.')[1]!;
    expect(row!.secretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret);

    const session = await validateSessionToken({ db: database.db, clock }, token);
    expect(session).toMatchObject({ id: sessionId, userId, user: { username: 'ada', role: 'user' } });
  });

  it('rejects a wrong secret, a malformed token and an unknown id', async () => {
    const clock = manualClock();
    const { token } = await createSession({ db: database.db, clock }, userId);
    const [id, secret] = token.split('.') as [string, string];
    const flipped = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    expect(await validateSessionToken({ db: database.db, clock }, flipped)).toBeNull();
    expect(await validateSessionToken({ db: database.db, clock }, 'garbage')).toBeNull();
    expect(await validateSessionToken({ db: database.db, clock }, `${'a'.repeat(24)}.${secret}`)).toBeNull();
  });

  it('slides the expiry forward when used in its second half, and expires when unused', async () => {
    const clock = manualClock();
    const deps = { db: database.db, clock };
    const { token, expiresAt } = await createSession(deps, userId);

    clock.advance(10 * DAY);
    expect((await validateSessionToken(deps, token))?.expiresAt.getTime()).toBe(expiresAt.getTime());
    clock.advance(10 * DAY);
    const renewed = await validateSessionToken(deps, token);
    expect(renewed?.expiresAt.getTime()).toBe(clock.now().getTime() + sessionPolicy.lifetimeMs);

    clock.advance(sessionPolicy.inactivityTimeoutMs + 1000);
    expect(await validateSessionToken(deps, token)).toBeNull();
  });

  it('ends the sessions of a banned user', async () => {
    const clock = manualClock();
    const deps = { db: database.db, clock };
    const { token } = await createSession(deps, userId);
    await database.db.update(users).set({ bannedAt: clock.now() }).where(eq(users.id, userId));
    try {
      expect(await validateSessionToken(deps, token)).toBeNull();
    } finally {
      await database.db.update(users).set({ bannedAt: null }).where(eq(users.id, userId));
    }
  });

  it('announces a session it ends for inactivity, so sockets still open with it stop being served', async () => {
    const clock = manualClock();
    const published: string[] = [];
    const revocations = { publish: async (ids: string[]) => void published.push(...ids) } as unknown as SessionRevocations;
    const deps = { db: database.db, clock, revocations };
    const { token, sessionId } = await createSession(deps, userId);
    expect(await validateSessionToken(deps, token)).not.toBeNull();
    expect(published).toEqual([]);
    clock.advance(sessionPolicy.inactivityTimeoutMs + 1000);
    expect(await validateSessionToken(deps, token)).toBeNull();
    expect(published).toEqual([sessionId]);
  });
});

describe('webSocketSessionLive', () => {
  it('trusts the revocation watch until the session nears its expiry, then asks the database', async () => {
    const clock = manualClock();
    const deps = { db: database.db, clock };
    const { sessionId, expiresAt } = await createSession(deps, userId);
    const session = { id: sessionId, expiresAt };
    const watch = new AbortController();
    expect(await webSocketSessionLive(deps, session, watch.signal)).toBe(true);

    // Rows are only ever deleted together with a revocation; far from expiry the watch decides alone.
    await database.db.delete(sessions).where(eq(sessions.id, sessionId));
    expect(await webSocketSessionLive(deps, session, watch.signal)).toBe(true);
    // Near the expiry the socket saw, the database decides (HTTP use may have renewed the session, or it is gone).
    clock.advance(sessionPolicy.lifetimeMs - DAY / 2);
    expect(await webSocketSessionLive(deps, session, watch.signal)).toBe(false);
    // Without a watch, always the database.
    expect(await webSocketSessionLive(deps, session, undefined)).toBe(false);
  });

  it('refuses at once once the watch fired, whatever the database says', async () => {
    const clock = manualClock();
    const deps = { db: database.db, clock };
    const { sessionId, expiresAt } = await createSession(deps, userId);
    const watch = new AbortController();
    watch.abort();
    expect(await webSocketSessionLive(deps, { id: sessionId, expiresAt }, watch.signal)).toBe(false);
    expect(await webSocketSessionLive(deps, { id: sessionId, expiresAt }, undefined)).toBe(true);
  });
});
