import { aiConversations, aiMessages } from '@chorus/db';
import { and, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { finalizeGeneration, type GenerationOutcome } from './finalize';

/**
 * Ends a generation whose process is gone (no heartbeat): the text it logged before dying is
 * stored as the partial answer. Safe to race with the runner and other instances.
 */
export async function finalizeInterrupted(
  deps: AppDeps,
  messageId: number,
  outcome: GenerationOutcome = { status: 'failed', code: 'interrupted' },
): Promise<boolean> {
  const [row] = await deps.db
    .select({ conversationId: aiMessages.conversationId, status: aiMessages.status, userId: aiConversations.userId })
    .from(aiMessages)
    .innerJoin(aiConversations, eq(aiConversations.id, aiMessages.conversationId))
    .where(eq(aiMessages.id, messageId))
    .limit(1);
  if (!row || row.status !== 'streaming') return false;
  const text = await deps.ai.log.textSoFar(messageId);
  const done = await finalizeGeneration(deps, { messageId, conversationId: row.conversationId, userId: row.userId, text, outcome, usage: null });
  await deps.ai.log.markFinished(messageId);
  return done;
}

/** Generations left `streaming` by a process that stopped: found by any instance, now and then. */
export async function sweepInterruptedGenerations(deps: AppDeps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - deps.ai.settings.heartbeatMs * 3);
  const rows = await deps.db
    .select({ id: aiMessages.id })
    .from(aiMessages)
    .where(and(eq(aiMessages.status, 'streaming'), lt(aiMessages.createdAt, cutoff)))
    .limit(500);
  let swept = 0;
  for (const { id } of rows) {
    if (await deps.ai.log.isRunning(id)) continue;
    if (await finalizeInterrupted(deps, id)) swept++;
  }
  return swept;
}

export function startInterruptedSweeper(deps: AppDeps, everyMs = 30_000) {
  const tick = () => void sweepInterruptedGenerations(deps).catch((error: unknown) => deps.logger.warn({ err: error }, 'ai sweep failed'));
  const timer = setInterval(tick, everyMs).unref();
  tick();
  return { stop: () => clearInterval(timer) };
}
