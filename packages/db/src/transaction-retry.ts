/**
 * Every transaction of a `Db` runs through `retryTransaction`. A transaction may be aborted by
 * no fault of its own: InnoDB picks a deadlock victim, and on a Galera cluster a write set that
 * lost certification against a concurrent one from another node is rolled back at COMMIT —
 * MariaDB reports both as ER_LOCK_DEADLOCK. Nothing of the body was kept, so running it again
 * is safe as long as the body touches nothing outside the database (events are published,
 * mail and pushes queued in outbox tables, after commit; see docs/database-compatibility.md).
 */

/** Attempts before giving up: certification conflicts on a hot row clear within a few. */
export const TRANSACTION_ATTEMPTS = 5;

/**
 * The database could not take the work now (a conflict outlived the retries, a lock wait timed
 * out, a cluster node is not ready or the connection broke): retry after `retryAfter` seconds.
 * The API answers it as UNAVAILABLE with that `retryAfter`.
 */
export class DatabaseBusyError extends Error {
  readonly retryAfter: number;
  constructor(message: string, options: { cause: unknown; retryAfter?: number }) {
    super(message, { cause: options.cause });
    this.name = 'DatabaseBusyError';
    this.retryAfter = options.retryAfter ?? 1;
  }
}

/** The MySQL/MariaDB error code (ER_…) or the driver's network code, looking through causes. */
export function dbErrorCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const { code } = current as Error & { code?: unknown };
    if (typeof code === 'string' && code !== '') return code;
  }
  return undefined;
}

/** Aborted without effect; the same work may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  return dbErrorCodeOf(error) === 'ER_LOCK_DEADLOCK';
}

/**
 * Worth answering "try again later" instead of an internal error. ER_UNKNOWN_COM_ERROR is what a
 * Galera node not in the primary component answers ("WSREP has not yet prepared node for
 * application use"); the network codes are a server that died or went away mid-call (whether a
 * COMMIT in flight took effect is unknown: callers make such writes idempotent, e.g. chat.send's
 * clientId).
 */
const BUSY_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_UNKNOWN_COM_ERROR',
  'ER_QUERY_INTERRUPTED',
  'PROTOCOL_CONNECTION_LOST',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isBusy(error: unknown): boolean {
  if (error instanceof DatabaseBusyError) return true;
  const code = dbErrorCodeOf(error);
  return code !== undefined && BUSY_CODES.has(code);
}

/**
 * Runs `run` again (after a short random pause) while it fails as a deadlock victim or
 * certification conflict, at most `attempts` times in all; then, and on the other transient
 * failures above, throws DatabaseBusyError. Other errors pass through unchanged.
 */
export async function retryTransaction<T>(run: () => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (error instanceof DatabaseBusyError) throw error; // an inner transaction already retried
      if (isRetryableConflict(error)) {
        if (attempt >= attempts) throw new DatabaseBusyError(`transaction still conflicting after ${attempts} attempts`, { cause: error });
        // Spread the retries of the conflicting writers so they do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
        continue;
      }
      if (isBusy(error)) throw new DatabaseBusyError('the database is not available right now', { cause: error });
      throw error;
    }
  }
}
