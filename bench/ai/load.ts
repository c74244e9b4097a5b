// The ai benchmark's load process, forked by ai.ts. It hosts the fake OpenAI provider for the
// whole run, so that the provider's paced writes (6,400 chunks/s with 64 streams) run on their own
// event loop rather than on the server's, and the 64 subscribers of the ping-under-load phase.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  answerTokens,
  epochMs,
  parsePrompt,
  promptFor,
  type AiLoadRequest,
  type FakeInfo,
  type StreamResult,
  type StreamsFinished,
  type StreamsStarted,
} from './protocol';
import { serveLoadRequests } from '../lib/load-process';
import { withTimeout } from '../lib/stats';
import { closeChorusClient, createBenchClient, startFakeOpenAi, type ChorusClient, type FakeOpenAi } from '../lib/workspace';

const START_TIMEOUT_MS = 30_000;
const FINISH_TIMEOUT_MS = 60_000;

let fake: FakeOpenAi | undefined;
/** tag → epochMs when its chat request reached the fake. */
const arrivals = new Map<string, number>();

async function startFake(): Promise<FakeInfo> {
  fake ??= await startFakeOpenAi();
  // The answer is whatever the last message asks for (see promptFor), so every sample, direct or
  // through Chorus, gets its own length and pace without any queue to keep in step.
  fake.respondWith((request) => {
    const last = request.body?.messages?.at(-1)?.content;
    const spec = last === undefined ? null : parsePrompt(last);
    // Titles (none are expected: conversations are created with one) and anything else: at once.
    if (!spec) return { tokens: ['Bench title'] };
    arrivals.set(spec.tag, epochMs());
    return { tokens: answerTokens(spec.tokens), tokensPerSecond: spec.tokensPerSecond };
  });
  return { url: fake.url, apiKey: fake.apiKey, model: fake.models[0] ?? 'fake-model' };
}

interface Running {
  client: ChorusClient;
  result: StreamResult;
  ended: Promise<void>;
  stop(): void;
}

let running: Running[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });

/** One typed client per user (its own socket): send, subscribe as soon as the send returns. */
async function startStreams(req: Extract<AiLoadRequest, { op: 'start-streams' }>): Promise<StreamsStarted> {
  if (running.length > 0) throw new Error('streams already running');
  loopDelay.reset();
  loopDelay.enable();
  const started = performance.now();
  const firsts = req.users.map(async (user, index) => {
    const client = createBenchClient(req.url, { token: user.token });
    const result: StreamResult = { sentAt: epochMs(), doneAt: Number.NaN, deltas: 0, textBytes: 0 };
    const t0 = performance.now();
    let firstDelta: (ms: number) => void = () => {};
    const first = new Promise<number>((resolve) => (firstDelta = resolve));
    let unsubscribe = () => {};
    let end: () => void = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    running.push({ client, result, ended, stop: () => unsubscribe() });
    try {
      const prompt = promptFor({ tag: `load${index}`, tokens: req.tokens, tokensPerSecond: req.tokensPerSecond });
      const { assistantMessageId } = await client.ai.chat.send.mutate({ conversationId: user.conversationId, content: prompt, clientId: `load-${index}` });
      const subscription = client.ai.chat.stream.subscribe(
        { assistantMessageId },
        {
          onData: ({ data }) => {
            if (data.type === 'delta') {
              if (result.deltas++ === 0) firstDelta(performance.now() - t0);
            } else if (data.type === 'done') {
              result.doneAt = epochMs();
              result.textBytes = Buffer.byteLength(data.text);
            } else {
              result.error = `${data.code}: ${data.message}`;
            }
          },
          onError: (error) => {
            result.error = String(error);
            firstDelta(Number.NaN);
            end();
          },
          onComplete: () => {
            firstDelta(Number.NaN); // no-op once the first delta came
            end();
          },
        },
      );
      unsubscribe = () => subscription.unsubscribe();
    } catch (error) {
      result.error = String(error);
      firstDelta(Number.NaN);
      end();
    }
    return first;
  });
  const firstDeltaMs = await withTimeout(Promise.all(firsts), START_TIMEOUT_MS, `first deltas of ${req.users.length} streams`);
  return { allFirstDeltaMs: performance.now() - started, firstDeltaMs };
}

async function finishStreams(): Promise<StreamsFinished> {
  try {
    await withTimeout(Promise.all(running.map((stream) => stream.ended)), FINISH_TIMEOUT_MS, `the end of ${running.length} streams`);
    loopDelay.disable();
    const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
    const chats = fake?.requests.filter((request) => request.path.startsWith('/v1/chat/completions')).length ?? 0;
    return {
      streams: running.map((stream) => stream.result),
      loopDelayP99Ms: ms(loopDelay.percentile(99)),
      loopDelayMaxMs: ms(loopDelay.max),
      fakeRequests: chats,
      fakeAborted: fake?.aborted ?? 0,
    };
  } finally {
    for (const stream of running) stream.stop();
    await Promise.all(running.map((stream) => closeChorusClient(stream.client)));
    running = [];
  }
}

async function handle(req: AiLoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'start-fake':
      return startFake();
    case 'arrivals':
      return Object.fromEntries(req.tags.flatMap((tag) => (arrivals.has(tag) ? [[tag, arrivals.get(tag)]] : [])));
    case 'start-streams':
      return startStreams(req);
    case 'finish-streams':
      return finishStreams();
    case 'stop':
      await fake?.close();
      fake = undefined;
      return null;
  }
}

serveLoadRequests(handle);
