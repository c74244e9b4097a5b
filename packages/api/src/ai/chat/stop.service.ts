import { aiMessages } from '@chorus/db';
import { eq } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps } from '../../deps';
import { requireOwnAssistantMessage } from '../conversations/ownership';
import { toMessageView, type AiMessageView } from '../conversations/views';
import { finalizeInterrupted } from '../generation/interrupted';

const STOP_WAIT_MS = 5_000;

/**
 * Aborts the upstream request wherever it runs and returns the stored partial answer. If no
 * process answers (it died), the partial text in the log is stored as stopped here.
 */
export async function stopGeneration(deps: AppDeps, userId: number, assistantMessageId: number): Promise<AiMessageView> {
  const { message } = await requireOwnAssistantMessage(deps.db, userId, assistantMessageId);
  if (message.status !== 'streaming') return toMessageView(message);
  await deps.ai.log.requestStop(message.id);
  const deadline = performance.now() + STOP_WAIT_MS;
  for (;;) {
    const [row] = await deps.db.select().from(aiMessages).where(eq(aiMessages.id, message.id)).limit(1);
    if (!row || row.status !== 'streaming') return toMessageView(row ?? message);
    if (performance.now() > deadline || !(await deps.ai.log.isRunning(message.id))) {
      await finalizeInterrupted(deps, message.id, { status: 'stopped' });
      const [final] = await deps.db.select().from(aiMessages).where(eq(aiMessages.id, message.id)).limit(1);
      return toMessageView(final ?? message);
    }
    await sleep(20);
  }
}
