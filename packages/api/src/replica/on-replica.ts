import type { AppDeps } from '../deps';

/**
 * Runs a read-only service body on `deps.readDb`: the body gets deps whose `db` is the replica
 * (or the primary, when the replica lags behind the caller's writes, is down or has none).
 * Only for bodies that never write: a replica refuses writes.
 */
export function onReadDb<T>(deps: AppDeps, userId: number, body: (deps: AppDeps) => Promise<T>): Promise<T> {
  return deps.readDb.read(userId, (db) => body(db === deps.db ? deps : { ...deps, db }));
}
