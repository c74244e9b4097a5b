import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { requireOwnConversation } from '../conversations/ownership';
import { sendState, startKey } from './send-claim';

/** While waiting, the send's state is read again this often, in case an announcement was missed. */
const RECHECK_MS = 1000;
/**
 * A stream opened with its send usually hears the send start within milliseconds; only after
 * this long does it also look for an older send in the database.
 */
const STORED_AFTER_MS = 250;

/**
 * The answer a send with this `clientId` started, so a client can subscribe to it together with
 * `ai.chat.send` instead of after it returns. Waits (up to `sendWaitMs`) for the send to
 * arrive and mark its answer running; null if the subscription ends first. It listens for the
 * announcement before it reads the send's state, so it cannot miss one in between.
 */
export async function answerOfSend(
  deps: AppDeps,
  userId: number,
  conversationId: number,
  clientId: string,
  signal: AbortSignal | undefined,
): Promise<number | null> {
  let announced: number | null = null;
  let wake = () => {};
  const unlisten = deps.ai.log.onStart(startKey(conversationId, clientId), {
    onStart: (messageId) => {
      announced = messageId;
      wake();
    },
    onMaybeMissed: () => wake(),
  });
  const onAbort = () => wake();
  signal?.addEventListener('abort', onAbort);
  try {
    await requireOwnConversation(deps.db, userId, conversationId);
    const started = performance.now();
    const deadline = started + deps.ai.settings.sendWaitMs;
    for (;;) {
      if (announced !== null) return announced;
      if (signal?.aborted) return null;
      const stored = performance.now() - started >= STORED_AFTER_MS;
      const state = await sendState(deps, conversationId, clientId, { stored });
      if (announced !== null) return announced;
      if (state.answerId !== null) return state.answerId;
      if (signal?.aborted) return null;
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new AppError('NOT_FOUND', 'No message was sent with this clientId');
      const pause = stored ? RECHECK_MS : STORED_AFTER_MS - (performance.now() - started);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(remaining, pause)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unlisten();
  }
}
