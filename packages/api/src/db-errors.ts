/** The unique index a write collided with (MySQL/MariaDB ER_DUP_ENTRY), or null. */
export function duplicateKeyOf(error: unknown): string | null {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const { code, message } = current as Error & { code?: string };
    if (code === 'ER_DUP_ENTRY') return /for key '(?:[^.']+\.)?([^']+)'/.exec(message)?.[1] ?? 'unknown';
  }
  return null;
}
