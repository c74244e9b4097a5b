// system.ping while 64 answers stream: does a server busy relaying generations still answer a
// cheap call at once? The generations' provider and subscribers live in the load process.
import { epochMs, type AiLoadRequest, type StreamsFinished, type StreamsStarted } from './protocol';
import { PROFILE_DIR, spread, type AiUser, type LatencyRow } from './common';
import type { LoadProcess } from '../lib/load-process';
import type { BenchStack } from '../lib/harness';
import { log } from '../lib/harness';
import { sized } from '../lib/env';
import { CpuSampler, servicePids, withProfile } from '../lib/process-cpu';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

export const LOAD = sized(
  { streams: 64, tokens: 1500, tokensPerSecond: 100, warmup: 200, baselineMs: 5_000, windowMs: 10_000, maxCalls: 100_000 },
  { streams: 4, tokens: 50, tokensPerSecond: 100, warmup: 10, baselineMs: 300, windowMs: 300, maxCalls: 100_000 },
);
const PING_GOAL_MS = 10;

/** Sequential system.ping over HTTP through the typed client, as bench/ping's "http sequential". */
async function pingFor(client: ChorusClient, ms: number): Promise<number[]> {
  const samples: number[] = [];
  const deadline = performance.now() + ms;
  while (samples.length < LOAD.maxCalls && performance.now() < deadline) {
    const t0 = performance.now();
    await client.system.ping.query();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function measurePingUnderStreams(
  stack: BenchStack,
  users: AiUser[],
  load: LoadProcess<AiLoadRequest>,
  /** Pace of a lone stream (ai/bytes.ts), to tell whether the load slowed the streams down. */
  aloneMsPerToken: number,
): Promise<{ rows: LatencyRow[]; facts: Record<string, string | number>; notes: string[] }> {
  const cpu = new CpuSampler();
  cpu.pids.set('srv', process.pid);
  if (load.pid) cpu.pids.set('load', load.pid);
  for (const [label, pid] of servicePids(stack)) cpu.pids.set(label, pid);

  // Conversations made beforehand, with a title (no title request after the answers).
  const conversations = await Promise.all(
    users.map(async (user) => {
      const client = createBenchClient(stack.url, { token: user.token });
      try {
        const { id } = await client.ai.conversations.create.mutate({ title: 'ai bench', configId: user.configId });
        return { token: user.token, conversationId: id };
      } finally {
        await closeChorusClient(client);
      }
    }),
  );

  const pinger = createBenchClient(stack.url);
  try {
    for (let i = 0; i < LOAD.warmup; i++) await pinger.system.ping.query();
    log(`ai: system.ping for ${LOAD.baselineMs} ms, no streams`);
    const baseline = await pingFor(pinger, LOAD.baselineMs);

    log(`ai: ${users.length} streams of ${LOAD.tokens} tokens at ${LOAD.tokensPerSecond} tokens/s, system.ping for ${LOAD.windowMs} ms meanwhile`);
    const started = await load.request<StreamsStarted>(
      { op: 'start-streams', url: stack.url, users: conversations, tokens: LOAD.tokens, tokensPerSecond: LOAD.tokensPerSecond },
      60_000,
    );
    cpu.begin();
    const windowStart = epochMs();
    const during = await withProfile(PROFILE_DIR, 'ai-streams', () => pingFor(pinger, LOAD.windowMs));
    const windowEnd = epochMs();
    cpu.end();
    const finished = await load.request<StreamsFinished>({ op: 'finish-streams' }, 120_000);
    const usage = cpu.take();

    const b = spread(baseline);
    const d = spread(during);
    const streams = finished.streams;
    const failed = streams.filter((s) => s.error || Number.isNaN(s.doneAt));
    const aloneS = (LOAD.tokens * aloneMsPerToken) / 1000;
    const durations = spread(streams.map((s) => (s.doneAt - s.sentAt) / 1000));
    const deltas = streams.reduce((sum, s) => sum + s.deltas, 0);
    return {
      rows: [
        { case: 'system.ping (HTTP), no streams', ...b },
        { case: `system.ping (HTTP), ${users.length} streams running`, ...d, goal: `p99 < ${PING_GOAL_MS}`, met: d.p99 < PING_GOAL_MS ? 'yes' : 'NO' },
        { case: `  first delta of the ${users.length} streams (send call →)`, ...spread(started.firstDeltaMs) },
      ],
      facts: {
        'load: streams ended with done': `${streams.length - failed.length} of ${streams.length}${failed[0] ? ` (first failure: ${failed[0].error ?? 'no done event'})` : ''}`,
        'load: streams still running when the ping window closed': `${streams.filter((s) => s.doneAt > windowEnd).length} of ${streams.length} (window ${Math.round(windowEnd - windowStart)} ms)`,
        [`load: stream length send → done, s, p50 / max (${LOAD.tokens / LOAD.tokensPerSecond} at 100 tokens/s exactly, ${aloneS.toFixed(1)} at the lone stream's pace)`]: `${durations.p50.toFixed(1)} / ${durations.max.toFixed(1)}`,
        "load: delta events received in all, and a stream's mean per second": `${deltas} (${(deltas / streams.length / durations.p50).toFixed(1)}/s)`,
        'load: cpu % of one core in the ping window': usage.text || '-',
        'load: event-loop delay p99 / max ms, srv (server + pinger) · load (fake + subscribers)': `${usage.loopDelay} · ${finished.loopDelayP99Ms} / ${finished.loopDelayMaxMs}`,
      },
      notes: [
        `ping under load: ${users.length} users, each one conversation and one typed client (own socket) in the load process, all sending at once; the window opens once every stream has had its first delta`,
      ],
    };
  } finally {
    await closeChorusClient(pinger);
  }
}
