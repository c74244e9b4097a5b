import type { AppDeps } from '../../deps';
import { consumeOrThrow } from '../../auth/rate-limits';
import { runInBackground } from '../ai-runtime';
import { runGeneration, type GenerationJob } from '../generation/generation-runner';
import { acquireSlot, type GenerationSlot } from '../generation/slots';
import { maybeGenerateTitle } from '../titles.service';

/** Checks the user's request rate and takes a concurrency slot; the slot must be released. */
export async function admitGeneration(deps: AppDeps, userId: number): Promise<GenerationSlot> {
  await consumeOrThrow(deps.ai.requestLimiter, String(userId));
  return acquireSlot(deps.redis, userId, deps.ai.settings.maxConcurrentPerUser, deps.clock.now().getTime());
}

/**
 * Marks the answer as running before the caller hears its id (so stop and subscribers find
 * it), then generates in the background; a title is considered once the answer is stored.
 */
export async function startGeneration(
  deps: AppDeps,
  args: Omit<GenerationJob, 'controller' | 'onEnd'>,
): Promise<void> {
  const controller = new AbortController();
  const marked = deps.ai.log.markRunning(args.assistantMessageId, controller, deps.ai.settings.heartbeatMs * 3);
  runInBackground(deps.ai, () =>
    runGeneration(deps, {
      ...args,
      controller,
      onEnd: () => runInBackground(deps.ai, () => maybeGenerateTitle(deps, args.userId, args.conversationId, args.provider)),
    }),
  );
  try {
    await marked;
  } catch (error) {
    // Without the heartbeat nobody could tell it runs: end it now (stored as interrupted).
    controller.abort('shutdown');
    throw error;
  }
}
