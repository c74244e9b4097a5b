import type { AppDeps } from '../../deps';
import { consumeOrThrow } from '../../auth/rate-limits';
import { runInBackground } from '../ai-runtime';
import { runGeneration } from '../generation/generation-runner';
import { acquireSlot, type GenerationSlot } from '../generation/slots';
import type { ResolvedProvider } from '../providers/providers';
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
  args: { userId: number; conversationId: number; userMessageId: number; assistantMessageId: number; provider: ResolvedProvider; slot: GenerationSlot },
): Promise<void> {
  const controller = new AbortController();
  try {
    await deps.ai.log.markRunning(args.assistantMessageId, controller, deps.ai.settings.heartbeatMs * 3);
  } catch (error) {
    // Nothing will run: the sweeper stores the empty answer as interrupted.
    await args.slot.release().catch(() => undefined);
    throw error;
  }
  runInBackground(deps.ai, () =>
    runGeneration(deps, {
      ...args,
      controller,
      onEnd: () => runInBackground(deps.ai, () => maybeGenerateTitle(deps, args.userId, args.conversationId, args.provider)),
    }),
  );
}
