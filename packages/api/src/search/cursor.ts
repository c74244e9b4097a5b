import { AppError } from '../errors';

/**
 * Search pages are ordered by id, newest first; the cursor is the last id of a page, so the
 * next page starts strictly below it and no result repeats or is skipped while others arrive.
 */
export function encodeCursor(id: number): string {
  return Buffer.from(`s:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const id = match ? Number(match[1]) : 0;
  if (id < 1) throw new AppError('BAD_INPUT', 'This cursor is not one a search returned');
  return id;
}
