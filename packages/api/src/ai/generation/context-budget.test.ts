import { describe, expect, it } from 'vitest';
import { contextWindowOf, fitToBudget, tokensOf, type ContextMessage } from './context-budget';

const message = (role: 'user' | 'assistant', words: number, tag: string): ContextMessage => ({ role, content: `${tag} ${'word '.repeat(words)}` });

describe('fitToBudget', () => {
  it('keeps everything that fits, system prompt first', () => {
    const history = [message('user', 5, 'a'), message('assistant', 5, 'b'), message('user', 5, 'c')];
    const { messages, promptTokens } = fitToBudget('be brief', history, { model: 'gpt-4o' });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[0]!.content).toBe('be brief');
    expect(promptTokens).toBe(messages.reduce((sum, m) => sum + tokensOf(m), 0));
  });

  it('drops the oldest messages first when the window is small', () => {
    const history = Array.from({ length: 10 }, (_, index) => message(index % 2 ? 'assistant' : 'user', 50, `m${index}`));
    const { messages, promptTokens } = fitToBudget('sys', history, { model: 'x', contextTokens: 400, maxReplyTokens: 100 });
    const kept = messages.slice(1).map((m) => m.content.split(' ')[0]);
    expect(messages[0]).toEqual({ role: 'system', content: 'sys' });
    expect(kept.length).toBeGreaterThan(1);
    expect(kept.length).toBeLessThan(10);
    expect(kept.at(-1)).toBe('m9');
    expect(kept).toEqual(history.slice(10 - kept.length).map((m) => m.content.split(' ')[0]));
    expect(promptTokens).toBeLessThanOrEqual(300);
  });

  it('always keeps the newest message, even alone over budget', () => {
    const { messages } = fitToBudget(undefined, [message('user', 10, 'old'), message('user', 2000, 'huge')], {
      model: 'x',
      contextTokens: 256,
      maxReplyTokens: 10,
    });
    expect(messages.map((m) => m.content.split(' ')[0])).toEqual(['huge']);
  });

  it('knows common model windows and honours an override', () => {
    expect(contextWindowOf('gpt-4o-mini')).toBe(128_000);
    expect(contextWindowOf('deepseek-chat')).toBe(64_000);
    expect(contextWindowOf('some-local-model')).toBe(8_192);
    expect(contextWindowOf('gpt-4o', 1000)).toBe(1000);
  });
});
