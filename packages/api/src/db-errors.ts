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
 * Runs a transaction body again when InnoDB aborts it as a deadlock victim (gap locks of
 * concurrent inserts can do that); any other error passes through. Past `attempts`, or on a
 * lock wait timeout (the wait already took `innodb_lock_wait_timeout`, so waiting again
 * would keep the caller for as long once more), the caller gets UNAVAILABLE with a
 * `retryAfter` instead of an internal error.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'ER_LOCK_WAIT_TIMEOUT' || (code === 'ER_LOCK_DEADLOCK' && attempt >= attempts)) {
        throw new AppError('UNAVAILABLE', 'The server is busy; try again', { retryAfter: 1, cause: error });
      }
      if (code !== 'ER_LOCK_DEADLOCK') throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
