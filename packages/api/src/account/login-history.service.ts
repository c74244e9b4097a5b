import { loginAttempts } from '@chorus/db';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { TLoginHistoryInput, TLoginHistoryPage } from './account.schema';

/** The caller's own login attempts, newest first, paged by id. */
export async function loginHistory(deps: Pick<AppDeps, 'db'>, userId: number, input: TLoginHistoryInput): Promise<TLoginHistoryPage> {
  const mine = eq(loginAttempts.userId, userId);
  const rows = await deps.db
    .select()
    .from(loginAttempts)
    .where(input.cursor ? and(mine, lt(loginAttempts.id, input.cursor)) : mine)
    .orderBy(desc(loginAttempts.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      success: row.success,
      reason: row.reason,
      method: row.method,
      ip: row.ip,
      userAgent: row.userAgent,
      createdAt: row.createdAt,
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
