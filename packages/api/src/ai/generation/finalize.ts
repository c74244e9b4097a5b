import { aiConversations, aiMessages, aiUsageDaily } from '@chorus/db';
import { and, eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import type { AiFailureCode } from '../providers/provider-errors';
import type { GenerationEntry, TokenUsage } from './generation-log';

export type GenerationOutcome = { status: 'complete'; finishReason: string } | { status: 'stopped' } | { status: 'failed'; code: AiFailureCode };

export interface FinalizeArgs {
  messageId: number;
  conversationId: number;
  userId: number;
  text: string;
  outcome: GenerationOutcome;
  usage: TokenUsage | null;
}

/**
 * Stores the end of a generation exactly once: whoever moves the row out of `streaming`
 * (the runner, a stop on another instance, the sweeper after a crash) appends the final log
 * entry, so subscribers see one terminal event. Returns whether this call did it.
 */
export async function finalizeGeneration(deps: AppDeps, args: FinalizeArgs): Promise<boolean> {
  const { outcome } = args;
  const now = deps.clock.now();
  const finishReason = outcome.status === 'complete' ? outcome.finishReason : outcome.status === 'stopped' ? 'stopped' : 'error';
  // The search index queue entry commits with the final text (search/runtime.ts).
  const finalized = await deps.db.transaction(async (tx) => {
    const [result] = await tx
      .update(aiMessages)
      .set({
        content: args.text,
        status: outcome.status,
        errorCode: outcome.status === 'failed' ? outcome.code : null,
        finishReason,
        promptTokens: args.usage?.promptTokens ?? null,
        completionTokens: args.usage?.completionTokens ?? null,
        completedAt: now,
      })
      .where(and(eq(aiMessages.id, args.messageId), eq(aiMessages.status, 'streaming')));
    if (result.affectedRows === 0) return false;
    await deps.search.enqueue(tx, [args.messageId], 'ai_message');
    return true;
  });
  if (!finalized) return false;

  const entry: GenerationEntry =
    outcome.status === 'failed' ? { t: 'error', code: outcome.code, text: args.text } : { t: 'done', text: args.text, finishReason, usage: args.usage };
  await deps.ai.log
    .append(args.messageId, entry)
    .catch((error: unknown) => deps.logger.warn({ err: error, messageId: args.messageId }, 'ai final entry not logged'));
  await deps.db.update(aiConversations).set({ lastActivityAt: now }).where(eq(aiConversations.id, args.conversationId));
  if (args.usage) await recordUsage(deps, args.userId, now, args.usage);
  return true;
}

/** Adds one request's tokens to the user's day (UTC); one-shot calls (titles, suggestions) count too. */
export async function recordUsage(deps: AppDeps, userId: number, at: Date, usage: TokenUsage): Promise<void> {
  await deps.db
    .insert(aiUsageDaily)
    .values({ userId, day: at.toISOString().slice(0, 10), requests: 1, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens })
    .onDuplicateKeyUpdate({
      set: {
        requests: sql`${aiUsageDaily.requests} + 1`,
        promptTokens: sql`${aiUsageDaily.promptTokens} + ${usage.promptTokens}`,
        completionTokens: sql`${aiUsageDaily.completionTokens} + ${usage.completionTokens}`,
      },
    });
}
