import { DatabaseBusyError, isBusy, retryTransaction } from '@chorus/db';
import { AppError } from './errors';

/** The unique index a write collided with (MySQL/MariaDB ER_DUP_ENTRY), or null. */
export function duplicateKeyOf(error: unknown): string | null {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const { code, message } = current as Error & { code?: string };
    if (code === 'ER_DUP_ENTRY') return /for key '(?:[^.']+\.)?([^']+)'/.exec(message)?.[1] ?? 'unknown';
  }
  return null;
}

/** InnoDB chose this transaction as a deadlock victim (ER_LOCK_DEADLOCK): safe to run again. */
export function isDeadlock(error: unknown): boolean {
  return errorCodeOf(error) === 'ER_LOCK_DEADLOCK';
}

function errorCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const { code } = current as Error & { code?: unknown };
    if (typeof code === 'string' && code.startsWith('ER_')) return code;
  }
  return undefined;
}

/**
 * The typed answer to a DatabaseBusyError, a transient database failure or a Redis that is
 * unreachable or failing over (redis-errors.ts): try again later.
 */
export function unavailableFrom(error: unknown): AppError {
  const retryAfter = error instanceof DatabaseBusyError ? error.retryAfter : 1;
  return new AppError('UNAVAILABLE', 'The server is busy; try again', { retryAfter, cause: error });
}

/**
 * Runs a unit of database work again when it was aborted as a deadlock victim or a Galera
 * certification conflict (`retryTransaction`, which every `db.transaction` already goes
 * through; this is for work that runs its own transaction by hand, like the send path's batch
 * commit); any other error passes through. Past `attempts`, on a lock wait timeout or a
 * database that went away, the caller gets UNAVAILABLE with a `retryAfter` instead of an
 * internal error.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  try {
    return await retryTransaction(run, attempts);
  } catch (error) {
    if (isBusy(error)) throw unavailableFrom(error);
    throw error;
  }
}
