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
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ((current as Error & { code?: string }).code === 'ER_LOCK_DEADLOCK') return true;
  }
  return false;
}

/**
 * Runs a transaction body again when InnoDB aborts it as a deadlock victim (gap locks of
 * concurrent inserts can do that); any other error passes through.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isDeadlock(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
