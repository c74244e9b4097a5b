import { sessions, users } from '@chorus/db';
import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { TurnBatch } from '../turn-batch';

type Db = AppDeps['db'];

const columns = {
  session: { id: sessions.id, secretHash: sessions.secretHash, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt },
  user: { id: users.id, username: users.username, displayName: users.displayName, role: users.role, isGuest: users.isGuest, bannedAt: users.bannedAt },
};

/** The columns of a session and its user that validating a token reads. */
function buildLookup(db: Db) {
  return db
    .select(columns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('id')))
    .limit(1)
    .prepare();
}

export type SessionRow = Awaited<ReturnType<ReturnType<typeof buildLookup>['execute']>>[number];

/** What a validation writes back: the slid expiry and the time it was seen. */
export interface SessionTouch {
  id: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

interface Batches {
  lookup: ReturnType<typeof buildLookup>;
  lookups: TurnBatch<string, SessionRow | undefined>;
  touches: TurnBatch<SessionTouch, void>;
}

const batchesOf = new WeakMap<object, Batches>();

function batches(db: Db): Batches {
  let found = batchesOf.get(db);
  if (found) return found;
  const lookup = buildLookup(db);
  found = {
    lookup,
    lookups: new TurnBatch((ids) => lookUpMany(db, lookup, ids)),
    touches: new TurnBatch((touches) => writeTouches(db, touches)),
  };
  batchesOf.set(db, found);
  return found;
}

/** One id: the statement prepared once; several: one `IN` statement for all of them. */
async function lookUpMany(db: Db, lookup: Batches['lookup'], ids: string[]): Promise<Array<SessionRow | undefined>> {
  if (ids.length === 1) return [(await lookup.execute({ id: ids[0]! }))[0]];
  const rows = await db
    .select(columns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(inArray(sessions.id, [...new Set(ids)]));
  const byId = new Map(rows.map((row) => [row.session.id, row]));
  return ids.map((id) => byId.get(id));
}

/** One session: the ordinary UPDATE; several: one UPDATE setting each row its own values. */
async function writeTouches(db: Db, touches: SessionTouch[]): Promise<void[]> {
  // A session touched twice in one turn keeps its later values.
  const byId = new Map(touches.map((touch) => [touch.id, touch]));
  if (byId.size === 1) {
    const [touch] = byId.values();
    await db.update(sessions).set({ expiresAt: touch!.expiresAt, lastSeenAt: touch!.lastSeenAt }).where(eq(sessions.id, touch!.id));
  } else {
    const each = (column: typeof sessions.expiresAt | typeof sessions.lastSeenAt, value: (touch: SessionTouch) => Date): SQL =>
      sql`CASE ${sessions.id} ${sql.join(
        [...byId.values()].map((touch) => sql`WHEN ${touch.id} THEN ${sql.param(value(touch), column)}`),
        sql` `,
      )} END`;
    await db
      .update(sessions)
      .set({ expiresAt: each(sessions.expiresAt, (touch) => touch.expiresAt), lastSeenAt: each(sessions.lastSeenAt, (touch) => touch.lastSeenAt) })
      .where(inArray(sessions.id, [...byId.keys()]));
  }
  return touches.map(() => undefined);
}

/**
 * A session and its user by session id, reading only the columns validation needs. Every
 * WebSocket that connects asks (thousands at once when the clients of a dead instance resume on
 * a survivor that has never seen their sessions): the ids asked in one event-loop turn are read
 * by one statement; a lone id by a query built once per database handle.
 */
export function lookUpSession(db: Db, sessionId: string): Promise<SessionRow | undefined> {
  return batches(db).lookups.add(sessionId);
}

/** Writes a validated session's slid expiry and last-seen time; those of one turn in one statement. */
export function touchSession(db: Db, touch: SessionTouch): Promise<void> {
  return batches(db).touches.add(touch);
}
