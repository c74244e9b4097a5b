import { AppError } from '../errors';

/**
 * A search page's cursor: the sort key of its last result, opaque to clients. The next page
 * starts strictly after it, so no result repeats or is skipped while others arrive.
 */
export function encodeCursor(key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(['s', ...key])).toString('base64url');
}

/** The key `encodeCursor` made, checked by `read` (which answers undefined for a wrong shape); BAD_INPUT for anything else. */
export function decodeCursor<T>(cursor: string | undefined, read: (key: unknown[]) => T | undefined): T | undefined {
  if (cursor === undefined) return undefined;
  let key: T | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(parsed) && parsed[0] === 's') key = read(parsed.slice(1));
  } catch {
    key = undefined;
  }
  if (key === undefined) throw new AppError('BAD_INPUT', 'This cursor is not one a search returned');
  return key;
}

export const positiveInt = (value: unknown): number | undefined => (Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : undefined);
