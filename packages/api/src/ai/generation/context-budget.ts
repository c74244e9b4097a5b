import { countTokens } from './token-count';

export interface ContextMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Context windows of well-known model families; unknown models get a cautious default. */
const knownWindows: Array<[RegExp, number]> = [
  [/^(gpt-4o|gpt-4\.1|gpt-5|o\d)/i, 128_000],
  [/^gpt-4-turbo/i, 128_000],
  [/^gpt-4/i, 8_192],
  [/^gpt-3\.5/i, 16_385],
  [/deepseek/i, 64_000],
  [/qwen/i, 32_768],
  [/doubao/i, 32_768],
  [/gemini/i, 1_000_000],
  [/grok/i, 131_072],
];
const DEFAULT_WINDOW = 8_192;
const DEFAULT_REPLY_RESERVE = 1_024;
/** Role markers and separators a chat format adds per message. */
const PER_MESSAGE_OVERHEAD = 4;

export function contextWindowOf(model: string, override?: number): number {
  if (override) return override;
  return knownWindows.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_WINDOW;
}

export function tokensOf(message: ContextMessage): number {
  return countTokens(message.content) + PER_MESSAGE_OVERHEAD;
}

/**
 * What fits the model: the system prompt first, then as many of the newest messages as the
 * window leaves after the reply's reserve, in their original order. The newest message is
 * always kept (the request is pointless without it).
 */
export function fitToBudget(
  systemPrompt: string | undefined,
  history: ContextMessage[],
  options: { model: string; contextTokens?: number; maxReplyTokens?: number },
): { messages: ContextMessage[]; promptTokens: number } {
  const system: ContextMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
  let budget = contextWindowOf(options.model, options.contextTokens) - (options.maxReplyTokens ?? DEFAULT_REPLY_RESERVE);
  let used = 0;
  for (const message of system) used += tokensOf(message);
  budget -= used;
  const kept: ContextMessage[] = [];
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index]!;
    const cost = tokensOf(message);
    if (kept.length > 0 && cost > budget) break;
    kept.push(message);
    budget -= cost;
    used += cost;
  }
  return { messages: [...system, ...kept.reverse()], promptTokens: used };
}
