import type { AppDeps } from '../../deps';
import { classifyProviderError, ProviderTimeoutError, providerErrorLogFields } from '../providers/provider-errors';
import { openClient, type ResolvedProvider } from '../providers/providers';
import { countTokens } from 'gpt-tokenizer';
import { fitToBudget, type ContextMessage } from './context-budget';
import { loadHistory } from './history';
import { DeltaBatcher } from './delta-batcher';
import { finalizeGeneration, type GenerationOutcome } from './finalize';
import type { TokenUsage } from './generation-log';
import type { GenerationSlot } from './slots';

export interface GenerationJob {
  userId: number;
  conversationId: number;
  userMessageId: number;
  assistantMessageId: number;
  provider: ResolvedProvider;
  /** The conversation up to the user message, when the caller already has it. */
  history?: ContextMessage[];
  controller: AbortController;
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
  const messageId = job.assistantMessageId;
  const { signal } = job.controller;
  const batcher = new DeltaBatcher(settings.deltaFlushMs, (text) => log.append(messageId, { t: 'delta', text }), (error) =>
    deps.logger.warn({ err: error, messageId }, 'ai delta not logged'),
  );
  let watchdog: NodeJS.Timeout | undefined;
  const armWatchdog = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => job.controller.abort(new ProviderTimeoutError()), settings.idleTimeoutMs);
  };
  const heartbeat = setInterval(() => {
    void log.heartbeat(messageId, settings.heartbeatMs * 3).catch(() => undefined);
    void log.stopRequested(messageId).then((stop) => stop && job.controller.abort('stopped'), () => undefined);
  }, settings.heartbeatMs);

  let usage: TokenUsage | null = null;
  let promptTokens = 0;
  let outcome: GenerationOutcome;
  try {
    const history = job.history ?? (await loadHistory(deps.db, job.conversationId, job.userMessageId));
    const { params, model } = job.provider;
    const context = fitToBudget(params.systemPrompt, history, { model, contextTokens: params.contextTokens, maxReplyTokens: params.maxTokens });
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
      if (choice?.delta?.content) batcher.add(choice.delta.content);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens };
    }
    // The SDK ends the iteration quietly when the request is aborted.
    outcome = outcomeOfAbort(signal) ?? { status: 'complete', finishReason };
  } catch (error) {
    outcome = outcomeOfAbort(signal) ?? { status: 'failed', code: classifyProviderError(error) };
    if (outcome.status === 'failed') deps.logger.warn({ messageId, code: outcome.code, ...providerErrorLogFields(error) }, 'ai generation failed');
  } finally {
    clearTimeout(watchdog);
    clearInterval(heartbeat);
  }
  const text = await batcher.close();
  await job.slot.release().catch(() => undefined);
  // A refused request used nothing; a partial or unreported answer is counted by our tokenizer.
  usage ??= text ? estimateUsage(promptTokens, text) : null;
  try {
    await finalizeGeneration(deps, { messageId, conversationId: job.conversationId, userId: job.userId, text, outcome, usage });
  } finally {
    await log.markFinished(messageId).catch(() => undefined);
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
