// Time to first token: the openai SDK straight at the fake provider, against the same answer
// asked through Chorus (ai.chat.send over HTTP, and at the same moment ai.chat.stream by the send's
// clientId over the already open socket).
import { epochMs, promptFor, type AiLoadRequest, type FakeInfo } from './protocol';
import { backgroundIdle, PROFILE_DIR, spread, type AiUser, type LatencyRow } from './common';
import { sized } from '../lib/env';
import { withProfile } from '../lib/process-cpu';
import type { LoadProcess } from '../lib/load-process';
import type { BenchStack } from '../lib/harness';
import { withTimeout } from '../lib/stats';
import { closeChorusClient, createBenchClient, OpenAI, type AppDeps, type ChorusClient } from '../lib/workspace';

const TTFT = { warmup: sized(20, 2), samples: sized(200, 5), tokens: 3, tokensPerSecond: 100, sampleTimeoutMs: sized(5_000, 15_000), maxMs: 60_000 };
const TTFT_GOAL_MS = 5;

interface Sample {
  tag: string;
  /** epochMs of the call, to compare with when the fake got the request. */
  at: number;
  ttftMs: number;
}

/** The SDK call a Chorus user would otherwise make: stream, time to the first chunk with text, then drain. */
async function directSample(openai: OpenAI, model: string, tag: string): Promise<Sample> {
  const content = promptFor({ tag, tokens: TTFT.tokens, tokensPerSecond: TTFT.tokensPerSecond });
  const at = epochMs();
  const t0 = performance.now();
  // The same request Chorus makes (usage included), so both get the same bytes back.
  const stream = await openai.chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } });
  let ttftMs = Number.NaN;
  for await (const chunk of stream) {
    if (Number.isNaN(ttftMs) && chunk.choices[0]?.delta?.content) ttftMs = performance.now() - t0;
  }
  return { tag, at, ttftMs };
}

/**
 * What a user sees: ai.chat.stream opened by the send's clientId and ai.chat.send called at the
 * same moment (the stream needs no id from the send), timed to the first delta.
 */
async function chorusSample(client: ChorusClient, conversationId: number, tag: string): Promise<Sample & { sendMs: number }> {
  const content = promptFor({ tag, tokens: TTFT.tokens, tokensPerSecond: TTFT.tokensPerSecond });
  const at = epochMs();
  const t0 = performance.now();
  let ttftMs = Number.NaN;
  let sendMs = Number.NaN;
  let failure: string | undefined;
  let unsubscribe = () => {};
  try {
    const streamed = new Promise<void>((resolve, reject) => {
      const subscription = client.ai.chat.stream.subscribe(
        { conversationId, clientId: tag },
        {
          onData: ({ data }) => {
            if (data.type === 'delta' && Number.isNaN(ttftMs)) ttftMs = performance.now() - t0;
            if (data.type === 'error') failure = `${data.code}: ${data.message}`;
          },
          onComplete: () => resolve(),
          onError: (error) => reject(error),
        },
      );
      unsubscribe = () => subscription.unsubscribe();
    });
    const sent = client.ai.chat.send.mutate({ conversationId, content, clientId: tag }).then(() => {
      sendMs = performance.now() - t0;
    });
    await withTimeout(Promise.all([streamed, sent]), TTFT.sampleTimeoutMs, 'ai.chat.send and ai.chat.stream to its end');
  } finally {
    unsubscribe();
  }
  if (failure) throw new Error(`ai: the generation failed: ${failure}`);
  return { tag, at, ttftMs, sendMs };
}

/**
 * A fresh conversation for each sample, created with a title: every answer is a first answer
 * (history of one message) and no title generation follows it to disturb the next sample.
 */
const newConversation = async (client: ChorusClient, configId: AiUser['configId']) =>
  (await client.ai.conversations.create.mutate({ title: 'ai bench', configId })).id;

/** Statements MariaDB and Redis served for one more answer (send, stream, storing): how many round trips an answer costs. */
async function statementsPerAnswer(deps: AppDeps, client: ChorusClient, configId: AiUser['configId']): Promise<string> {
  const mariadb = async () => {
    const [rows] = (await deps.db.$client.query("SHOW GLOBAL STATUS LIKE 'Questions'")) as unknown as [Array<{ Value: string }>];
    return Number(rows[0]?.Value);
  };
  const redis = async () => Number(/total_commands_processed:(\d+)/.exec(await deps.redis.info('stats'))?.[1]);
  const conversationId = await newConversation(client, configId);
  const [db0, redis0] = [await mariadb(), await redis()];
  await chorusSample(client, conversationId, 'count');
  await backgroundIdle(deps);
  // The counters count their own reading: one SHOW, one INFO.
  return `MariaDB ${(await mariadb()) - db0 - 1}, Redis ${(await redis()) - redis0 - 1}`;
}

/** Round trips from this process (the server's) to MariaDB and Redis, p50 / p99 ms: the unit the statements above cost. */
async function roundTrips(deps: AppDeps): Promise<string> {
  const time = async (call: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await call();
      samples.push(performance.now() - t0);
    }
    const { p50, p99 } = spread(samples.slice(20));
    return `${p50} / ${p99}`;
  };
  return `MariaDB ${await time(() => deps.db.$client.query('SELECT 1'))} · Redis ${await time(() => deps.redis.ping())}`;
}

export async function measureTtft(
  stack: BenchStack,
  user: AiUser,
  fake: FakeInfo,
  load: LoadProcess<AiLoadRequest>,
): Promise<{ rows: LatencyRow[]; facts: Record<string, string | number> }> {
  const openai = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0 });
  const client = createBenchClient(stack.url, { token: user.token });
  const direct: Sample[] = [];
  const chorus: Array<Sample & { sendMs: number }> = [];
  let statements: string;
  try {
    const deadline = performance.now() + TTFT.maxMs;
    // Alternating, so that any drift of the machine weighs on both alike. The warm-up opens the
    // keep-alive connections (SDK → fake, server → fake, client → server) and the client's socket,
    // which then stays open between samples (the client keeps it 30 s after a subscription ends).
    const sample = async (i: number) => {
      const d = await withTimeout(directSample(openai, fake.model, `d${i}`), TTFT.sampleTimeoutMs, 'direct SDK stream');
      const c = await chorusSample(client, await newConversation(client, user.configId), `c${i}`);
      await backgroundIdle(stack.deps);
      return { d, c };
    };
    for (let i = 0; i < TTFT.warmup; i++) await sample(i);
    await withProfile(PROFILE_DIR, 'ai-ttft', async () => {
      for (let i = TTFT.warmup; i < TTFT.warmup + TTFT.samples && performance.now() < deadline; i++) {
        const { d, c } = await sample(i);
        direct.push(d);
        chorus.push(c);
      }
    });
    statements = await statementsPerAnswer(stack.deps, client, user.configId);
  } finally {
    await closeChorusClient(client);
  }
  const arrivals = await load.request<Record<string, number>>({ op: 'arrivals', tags: [...direct, ...chorus].map((s) => s.tag) }, 10_000);
  const untilArrival = (samples: Sample[]) => samples.map((s) => (arrivals[s.tag] ?? Number.NaN) - s.at);
  const d = spread(direct.map((s) => s.ttftMs));
  const c = spread(chorus.map((s) => s.ttftMs));
  const rows: LatencyRow[] = [
    { case: 'TTFT direct: SDK call → first chunk with text', ...d },
    { case: 'TTFT Chorus: ai.chat.send call → first delta', ...c },
    {
      case: 'TTFT added by Chorus (Chorus − direct, per percentile)',
      n: c.n,
      p50: round(c.p50 - d.p50),
      p95: round(c.p95 - d.p95),
      p99: round(c.p99 - d.p99),
      max: '-',
      goal: `p99 < ${TTFT_GOAL_MS}`,
      met: c.p99 - d.p99 < TTFT_GOAL_MS ? 'yes' : 'NO',
    },
    { case: '  Chorus: ai.chat.send round trip (HTTP)', ...spread(chorus.map((s) => s.sendMs)) },
    { case: '  Chorus: first delta − send returned (WS; negative: before)', ...spread(chorus.map((s) => s.ttftMs - s.sendMs)) },
    { case: '  direct: call → the fake got the request', ...spread(untilArrival(direct)) },
    { case: '  Chorus: send call → the fake got the request', ...spread(untilArrival(chorus)) },
    { case: '  Chorus: the fake got the request → first delta', ...spread(chorus.map((s) => s.at + s.ttftMs - (arrivals[s.tag] ?? Number.NaN))) },
  ];
  const facts = {
    'TTFT samples (after warm-up)': `${chorus.length} of each, ${TTFT.warmup} warm-up; answers of ${TTFT.tokens} tokens at ${TTFT.tokensPerSecond} tokens/s`,
    'TTFT: statements served for one answer through Chorus': statements,
    'TTFT: one round trip from the server, p50 / p99 ms': await roundTrips(stack.deps),
  };
  return { rows, facts };
}

const round = (value: number): number => Number(value.toFixed(2));
