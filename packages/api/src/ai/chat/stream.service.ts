import type { AppDeps } from '../../deps';
import type { TStreamInput } from '../ai.schema';
import { requireOwnAssistantMessage } from '../conversations/ownership';
import { generationStream, type AiStreamItem } from '../generation/generation-stream';
import { answerOfSend } from './answer-of-send';

/**
 * `ai.chat.stream`: an answer by its id, or by the send (conversation and clientId) that
 * starts it, which may still be on its way. Either way only the owner's answers. The answer's
 * stream itself is returned, not wrapped in a generator of this function's own (which would
 * add a step per delta and hold the last one while waiting).
 */
export async function streamAnswer(
  deps: AppDeps,
  userId: number,
  input: TStreamInput,
  signal: AbortSignal | undefined,
): Promise<AsyncGenerator<AiStreamItem, void>> {
  if ('assistantMessageId' in input) {
    return generationStream(deps, input.assistantMessageId, input.lastEventId, signal, () =>
      requireOwnAssistantMessage(deps.db, userId, input.assistantMessageId),
    );
  }
  // The conversation's ownership is checked while waiting for the send.
  const assistantMessageId = await answerOfSend(deps, userId, input.conversationId, input.clientId, signal);
  return assistantMessageId === null ? nothing() : generationStream(deps, assistantMessageId, input.lastEventId, signal);
}

/** A stream that ends at once (the subscription was stopped while waiting for the send). */
async function* nothing(): AsyncGenerator<AiStreamItem, void> {}
