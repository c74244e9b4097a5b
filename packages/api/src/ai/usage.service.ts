import { aiUsageDaily } from '@chorus/db';
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';

const MAX_DAYS = 366;

export interface UsageDay {
  day: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/** The caller's token usage per day (UTC) between two days, inclusive, and the totals. */
export async function usageBetween(
  deps: AppDeps,
  userId: number,
  range: { from: string; to: string },
): Promise<{ days: UsageDay[]; totals: Omit<UsageDay, 'day'> }> {
  const span = (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000;
  if (!Number.isFinite(span)) throw new AppError('BAD_INPUT', 'Not a valid day');
  if (span >= MAX_DAYS) throw new AppError('BAD_INPUT', `Ask for at most ${MAX_DAYS} days at once`);
  const days = await deps.db
    .select({
      day: aiUsageDaily.day,
      requests: aiUsageDaily.requests,
      promptTokens: aiUsageDaily.promptTokens,
      completionTokens: aiUsageDaily.completionTokens,
    })
    .from(aiUsageDaily)
    .where(and(eq(aiUsageDaily.userId, userId), gte(aiUsageDaily.day, range.from), lte(aiUsageDaily.day, range.to)))
    .orderBy(asc(aiUsageDaily.day));
  const totals = days.reduce(
    (sum, day) => ({
      requests: sum.requests + day.requests,
      promptTokens: sum.promptTokens + day.promptTokens,
      completionTokens: sum.completionTokens + day.completionTokens,
    }),
    { requests: 0, promptTokens: 0, completionTokens: 0 },
  );
  return { days, totals };
}
