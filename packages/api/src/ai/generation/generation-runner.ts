import type { AppDeps } from '../../deps';
import { classifyProviderError, ProviderTimeoutError, providerErrorLogFields } from '../providers/provider-errors';
import { isSystemRef, openClient, type ResolvedProvider } from '../providers/providers';
import { countTokens } from './token-count';
import { fitToBudget, type ContextMessage } from './context-budget';
import { DeltaBatcher } from './delta-batcher';
import { finalizeGeneration, type GenerationOutcome } from './finalize';
import type { TokenUsage } from './generation-log';
import type { GenerationSlot } from './slots';

export interface StoredMessages {
  userMessageId: number;
  assistantMessageId: number;
}

export interface GenerationJob {
  userId: number;
  conversationId: number;
  /**
   * The stored question and empty answer. The provider call may start while they are still
   * being written (its first token takes longer than our insert); if writing them fails, the
   * answer is dropped unseen.
   */
  stored: Promise<StoredMessages>;
  provider: ResolvedProvider;
  /** The conversation up to and including the question, oldest first. */
  history: ContextMessage[];
  controller: AbortController;
  /** Settles once the answer is marked as running; it is finished only after that. */
  marked: Promise<void>;
  /** Released as soon as the provider call is over, before the answer is stored. */
  slot: GenerationSlot;
  /** Called once the answer is stored, however it ended. */
  onEnd?: () => void | Promise<void>;
}

/**
 * Streams one answer from the provider into the generation log and stores it. Runs in the
 * background whether or not anyone watches; a watchdog turns provider silence into a
 * timeout, and the job's controller is how stop and shutdown reach the upstream request.
 */
export async function runGeneration(deps: AppDeps, job: GenerationJob): Promise<void> {
  const { settings, log } = deps.ai;
  const { signal } = job.controller;
  const messageId = () => job.stored.then((stored) => stored.assistantMessageId);
  job.stored.catch(() => job.controller.abort('dropped'));
  const batcher = new DeltaBatcher(
    settings.deltaFlushMs,
    async (text) => log.append(await messageId(), { t: 'delta', text }),
    (error) => {
      if (signal.reason !== 'dropped') deps.logger.warn({ err: error }, 'ai delta not logged');
    },
  );
  let watchdog: NodeJS.Timeout | undefined;
  const armWatchdog = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => job.controller.abort(new ProviderTimeoutError()), settings.idleTimeoutMs);
  };
  const heartbeat = setInterval(() => {
    void messageId().then(
      async (id) => {
        // A missed beat is tolerable (the run key outlives three of them); an unobserved one is not.
        try {
          await log.heartbeat(id, settings.heartbeatMs * 3);
          if (await log.stopRequested(id)) job.controller.abort('stopped');
        } catch (error) {
          deps.logger.warn({ err: error, messageId: id }, 'ai heartbeat failed');
        }
      },
      () => undefined,
    );
  }, settings.heartbeatMs);

  let usage: TokenUsage | null = null;
  let promptTokens = 0;
  let outcome: GenerationOutcome;
  const providerKind = isSystemRef(job.provider.ref) ? 'system' : 'user';
  const requested = performance.now();
  let awaitingFirstToken = true;
  deps.metrics.aiGenerationStarted();
  try {
    const { params, model } = job.provider;
    const context = fitToBudget(params.systemPrompt, job.history, { model, contextTokens: params.contextTokens, maxReplyTokens: params.maxTokens });
    promptTokens = context.promptTokens;
    armWatchdog();
    const client = openClient(deps, job.provider, settings.idleTimeoutMs);
    const stream = await client.chat.completions.create(
      {
        model,
        messages: context.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
        ...(params.maxTokens === undefined ? {} : { max_tokens: params.maxTokens }),
      },
      { signal },
    );
    let finishReason = 'stop';
    for await (const chunk of stream) {
      armWatchdog();
      const choice = chunk.choices[0];
      if (choice?.delta?.content) {
        if (awaitingFirstToken) {
          awaitingFirstToken = false;
          deps.metrics.aiFirstToken(providerKind, (performance.now() - requested) / 1000);
        }
        batcher.add(choice.delta.content);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage)
        usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens };
    }
    // The SDK ends the iteration quietly when the request is aborted.
    outcome = outcomeOfAbort(signal) ?? { status: 'complete', finishReason };
  } catch (error) {
    outcome = outcomeOfAbort(signal) ?? { status: 'failed', code: classifyProviderError(error) };
    if (outcome.status === 'failed' && signal.reason !== 'dropped')
      deps.logger.warn({ code: outcome.code, ...providerErrorLogFields(error) }, 'ai generation failed');
  } finally {
    clearTimeout(watchdog);
    clearInterval(heartbeat);
    deps.metrics.aiGenerationEnded();
  }
  if (outcome.status === 'failed') deps.metrics.aiError(providerKind, outcome.code);
  const text = await batcher.close();
  await job.slot.release().catch(() => undefined);
  const stored = await job.stored.catch(() => null);
  if (!stored) return;
  await job.marked.catch(() => undefined);
  const storedId = stored.assistantMessageId;
  // A refused request used nothing; a partial or unreported answer is counted by our tokenizer.
  usage ??= text ? estimateUsage(promptTokens, text) : null;
  if (usage) deps.metrics.aiTokens(providerKind, usage.promptTokens, usage.completionTokens);
  try {
    await finalizeGeneration(deps, { messageId: storedId, conversationId: job.conversationId, userId: job.userId, text, outcome, usage });
  } finally {
    await log.markFinished(storedId).catch(() => undefined);
    await job.onEnd?.();
  }
}

/** Why our own controller aborted the request, if it did. */
function outcomeOfAbort(signal: AbortSignal): GenerationOutcome | null {
  if (!signal.aborted) return null;
  if (signal.reason === 'stopped') return { status: 'stopped' };
  if (signal.reason instanceof ProviderTimeoutError) return { status: 'failed', code: 'timeout' };
  return { status: 'failed', code: 'interrupted' };
}

/** Providers that send no usage still get counted, by our own tokenizer. */
function estimateUsage(promptTokens: number, text: string): TokenUsage {
  const completionTokens = countTokens(text);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
