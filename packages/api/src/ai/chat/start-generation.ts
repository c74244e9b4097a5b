import type { AppDeps } from '../../deps';
import { consumeOrThrow } from '../../auth/rate-limits';
import { runInBackground } from '../ai-runtime';
import { runGeneration, type GenerationJob } from '../generation/generation-runner';
import { acquireSlot, type GenerationSlot } from '../generation/slots';
import { maybeGenerateTitle } from '../titles.service';

/** Checks the user's request rate and takes a concurrency slot; the slot must be released. */
export async function admitGeneration(deps: AppDeps, userId: number): Promise<GenerationSlot> {
  await consumeOrThrow(deps.limiters.aiRequestsPerUser, String(userId));
  return acquireSlot(deps.redis, userId, deps.ai.settings.maxConcurrentPerUser, deps.clock.now().getTime());
}

/**
 * Generates in the background; a title is considered once the answer is stored. Resolves
 * once the answer is marked as running (after its rows are stored), so stop requests and
 * subscribers on any instance find it before the caller hears its id. If the mark cannot be
 * set, nobody could tell the answer runs: it is ended at once (stored as interrupted).
 */
export function startGeneration(deps: AppDeps, job: Omit<GenerationJob, 'onEnd' | 'marked'>): Promise<void> {
  const ttlMs = deps.ai.settings.heartbeatMs * 3;
  const marked = job.stored.then((stored) =>
    deps.ai.log.markRunning(stored.assistantMessageId, job.controller, ttlMs).catch((error: unknown) => {
      job.controller.abort('shutdown');
      throw error;
    }),
  );
  // Callers that give up on a failed store never await this: it must not count as unhandled.
  marked.catch(() => undefined);
  runInBackground(deps.ai, () =>
    runGeneration(deps, {
      ...job,
      marked,
      onEnd: () => runInBackground(deps.ai, () => maybeGenerateTitle(deps, job.userId, job.conversationId, job.provider)),
    }),
  );
  return marked;
}
