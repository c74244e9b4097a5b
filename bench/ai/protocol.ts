// What the ai benchmark and its forked load process (ai/load.ts) share: the IPC requests, how a
// prompt tells the fake provider what to answer, and the answers' words.

/** English words with their leading space, as a tokenizer cuts prose: 4–5 bytes a token on average. */
const VOCABULARY = (
  'the quick brown fox jumps over a lazy dog while people in the city talk about weather news ' +
  'and what they will cook for dinner tonight because nobody wants to spend much time in ' +
  'the kitchen after a long day at work so simple recipes with fresh vegetables win every ' +
  'time you ask someone which meal they prefer on a rainy evening'
).split(' ');

/** The answer's pieces, one per streamed chunk: the same for a given count, in every process. */
export function answerTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ` ${VOCABULARY[i % VOCABULARY.length]}`);
}

/** The fake answers what the (last) user message asks for: `tag` names the request in `arrivals`. */
export interface AnswerSpec {
  tag: string;
  tokens: number;
  tokensPerSecond: number;
}

export const promptFor = (spec: AnswerSpec): string => `bench tag=${spec.tag} tokens=${spec.tokens} tps=${spec.tokensPerSecond}`;

export function parsePrompt(text: string): AnswerSpec | null {
  const match = /bench tag=(\S+) tokens=(\d+) tps=(\d+)/.exec(text);
  return match ? { tag: match[1]!, tokens: Number(match[2]), tokensPerSecond: Number(match[3]) } : null;
}

/** Milliseconds since the epoch with sub-ms resolution: comparable between this process and its child. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export interface StreamUser {
  token: string;
  conversationId: number;
}

export type AiLoadRequest =
  /** Starts the fake provider; answers its URL and key. */
  | { op: 'start-fake' }
  /** When each tagged chat request reached the fake (epochMs), for the tags asked. */
  | { op: 'arrivals'; tags: string[] }
  /** One typed client per user sends and subscribes; answers once every stream has had its first delta. */
  | { op: 'start-streams'; url: string; users: StreamUser[]; tokens: number; tokensPerSecond: number }
  /** Answers once every stream started by `start-streams` has ended. */
  | { op: 'finish-streams' }
  | { op: 'stop' };

export interface FakeInfo {
  url: string;
  apiKey: string;
  model: string;
}

export interface StreamsStarted {
  /** From starting the sends to the last stream's first delta. */
  allFirstDeltaMs: number;
  /** Per stream, send call → first delta. */
  firstDeltaMs: number[];
}

export interface StreamResult {
  /** epochMs of the send call and of the `done` event (NaN when none came). */
  sentAt: number;
  doneAt: number;
  deltas: number;
  textBytes: number;
  error?: string;
}

export interface StreamsFinished {
  streams: StreamResult[];
  /** Event-loop delay of the load process (fake provider + subscribers) while the streams ran, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Chat completions the fake served, and how many the client side abandoned. */
  fakeRequests: number;
  fakeAborted: number;
}
