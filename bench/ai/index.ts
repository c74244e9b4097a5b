// AI conversations against a fake OpenAI-compatible provider (packages/testing's, in a forked
// load process, ai/load.ts): what Chorus adds to the time to first token over a direct SDK call
// (ai/ttft.ts), the bytes a client receives per token (ai/bytes.ts), and whether system.ping stays
// quick while 64 answers stream (ai/ping.ts).
import { measureBytes } from './bytes';
import { createAiUsers } from './common';
import { LOAD, measurePingUnderStreams } from './ping';
import type { AiLoadRequest, FakeInfo } from './protocol';
import { measureTtft } from './ttft';
import { LoadProcess } from '../lib/load-process';
import type { BenchReport, BenchStack } from '../lib/harness';
import { log } from '../lib/harness';

export async function ai(stack: BenchStack): Promise<BenchReport> {
  const load = new LoadProcess<AiLoadRequest>(new URL('./load.ts', import.meta.url));
  try {
    // The load process compiles and imports the workspace first: a few seconds on a cold cache.
    const fake = await load.request<FakeInfo>({ op: 'start-fake' }, 60_000);
    log(`ai: fake provider at ${fake.url}; ${1 + LOAD.streams} users, each with the fake as their provider`);
    const [user, ...streamers] = await createAiUsers(stack, 1 + LOAD.streams, fake);
    if (!user) throw new Error('ai: no users');

    log('ai: time to first token, direct and through Chorus, alternating');
    const ttft = await measureTtft(stack, user, fake, load);
    log('ai: bytes received for one streamed answer');
    const bytes = await measureBytes(stack, user, stack.deps);
    const ping = await measurePingUnderStreams(stack, streamers, load, bytes.msPerToken);

    return {
      bench: 'ai',
      rows: [...ttft.rows, ...ping.rows],
      facts: { ...ttft.facts, ...bytes.facts, ...ping.facts },
      notes: [
        'latencies in ms, nearest-rank percentiles; "added" subtracts the direct figure from the Chorus one at each percentile (not per sample: the two never ran at once)',
        'TTFT: a fresh conversation (created with a title, so no title request follows) each sample; the client opens ai.chat.stream by the send’s clientId (on its already open socket) and calls ai.chat.send at the same moment. Indented rows split it up; "the fake got the request" compares clocks of two processes (performance.timeOrigin + now)',
        "bytes: ws socket bytesRead from just before subscribing to the subscription's end, so the answer's subscription alone (started, deltas, done, stopped) with frame headers, and not the HTTP send",
        'bytes: the server compresses every frame (permessage-deflate, context takeover, 16 KiB window, frames of shared events excepted; WS_COMPRESSION); "uncompressed" rows show what the same frames would take without it',
        'system.ping is a query: the typed client sends it over HTTP (as bench/ping measures it), one call after another from this process',
        ...ping.notes,
        'the server runs in this process; the fake provider and the 64 subscribers in a forked load process (their CPU is "load"); MariaDB "db", Redis "redis"',
      ],
    };
  } finally {
    await load.request({ op: 'stop' }, 10_000).catch(() => undefined);
    await load.stop();
  }
}
