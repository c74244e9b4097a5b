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
 * it), then generates in the background; the slot is released and a title considered at the end.
 */
export async function startGeneration(
  deps: AppDeps,
  args: { userId: number; conversationId: number; userMessageId: number; assistantMessageId: number; provider: ResolvedProvider; slot: GenerationSlot },
): Promise<void> {
  const controller = new AbortController();
  await deps.ai.log.markRunning(args.assistantMessageId, controller, deps.ai.settings.heartbeatMs * 3);
  runInBackground(deps.ai, () =>
    runGeneration(deps, {
      ...args,
      controller,
      onEnd: async () => {
        await args.slot.release().catch(() => undefined);
        runInBackground(deps.ai, () => maybeGenerateTitle(deps, args.userId, args.conversationId, args.provider));
      },
    }),
  );
}
