import { calls } from '@chorus/db';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { CallView } from '../realtime/events';
import { toCallView } from './call-view';
import type { THistoryInput } from './calls.schema';

export interface CallHistoryPage {
  items: Array<CallView & { direction: 'outgoing' | 'incoming' }>;
  nextCursor: number | null;
}

/**
 * The user's calls, newest first, in pages keyed by call id. Two range scans, one on each of
 * `calls_caller_idx` and `calls_callee_idx`, merged here: an OR across both columns would
 * sort the user's whole history for every page.
 */
export async function callHistory(deps: Pick<AppDeps, 'db'>, userId: number, input: THistoryInput): Promise<CallHistoryPage> {
  const take = input.limit + 1;
  const side = (column: typeof calls.callerId | typeof calls.calleeId) =>
    deps.db
      .select()
      .from(calls)
      .where(and(eq(column, userId), input.cursor ? lt(calls.id, input.cursor) : undefined))
      .orderBy(desc(calls.id))
      .limit(take);
  const [made, received] = await Promise.all([side(calls.callerId), side(calls.calleeId)]);
  const rows = [...made, ...received].sort((a, b) => b.id - a.id).slice(0, take);
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => ({ ...toCallView(row), direction: row.callerId === userId ? 'outgoing' : 'incoming' })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
