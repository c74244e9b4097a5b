// Helpers for AI tests: answers the fake provider streams, and what a client makes of a stream.
import type { AiStreamEvent } from '@chorus/client';
import type { FakeOpenAiRequest } from './fake-openai';

/** `count` tokens `w0 `, `w1 `, …: an answer whose every piece is recognisable. */
export const fakeWords = (count: number): string[] => Array.from({ length: count }, (_, index) => `w${index} `);

/** The answer text a client assembles from the deltas it received. */
export const streamedText = (events: Array<{ data: AiStreamEvent }>): string => events.map(({ data }) => (data.type === 'delta' ? data.text : '')).join('');

/** A chat completion request whose system prompt is Chorus's title instruction. */
export const isTitleRequest = (request: FakeOpenAiRequest): boolean =>
  request.path.endsWith('/chat/completions') && (request.body?.messages?.[0]?.content ?? '').startsWith('Write a title');
