// pnpm bench soak: Redis memory under a steady message rate, and the replay of an old position.
// Members in groups hold one events.subscribe each (a forked load process) on an instance of
// this process whose clock the benchmark moves; their messages flow at a fixed rate for
// BENCH_SOAK_MINUTES while Redis's used_memory and key count are sampled. One member leaves at
// the start; at the end the instance's clock goes a day forward and that member resumes from
// the position it kept: it must get every message of its group it missed, in order, once.
import { setTimeout as sleep } from 'node:timers/promises';
import { chorusCallsFromEnv, envNumber, sized, smoke } from '../lib/env';
import { log, type BenchReport, type BenchStack, type Cell } from '../lib/harness';
import { LoadProcess } from '../lib/load-process';
import { createMembers, inParallel } from '../lib/members';
import { benchOnCluster } from '../lib/redis-target';
import { closeChorusClient, createBenchClient } from '../lib/workspace';
import { readRedisMemory, steadyFigures, type Sample } from './memory';
import type { ConnectResult, FinishResult, LeaveResult, MemberSpec, ReplayResult, SoakRequest, SoakStatus } from './protocol';
import { earlyFlatness, expiredFacts, replayFacts, rowsOf, steadyFacts } from './report';
import { startSoakServer } from './server';

const USERS = envNumber('BENCH_SOAK_USERS', sized(200, 40));
const GROUP = envNumber('BENCH_SOAK_GROUP', 20);
const RATE = envNumber('BENCH_SOAK_RATE', sized(20, 10));
const MINUTES = envNumber('BENCH_SOAK_MINUTES', sized(30, 0.3));
const WINDOW_S = envNumber('BENCH_SOAK_WINDOW_S', sized(300, 3));
const SAMPLE_S = sized(30, 3);
/**
 * Memory is judged once what the window keeps in Redis has reached its steady size: stream
 * entries stay one window, conversation events' bodies two (an entry may still name one while
 * the archiver copies it), then two minutes more.
 */
const STEADY_FROM_S = 2 * WINDOW_S + sized(120, 6);
const DAY_MS = 24 * 3600 * 1000;
/** Time given to the pruning passes after the clock went past the retention. */
const EXPIRED_WAIT_MS = envNumber('BENCH_SOAK_EXPIRED_WAIT_S', sized(10, 3)) * 1000;

interface Population {
  specs: MemberSpec[];
  awayUserId: number;
}

/** Users in groups of GROUP made through the API; every member subscribes and takes turns sending, but the away one. */
async function populate(stack: BenchStack, url: string): Promise<Population> {
  const users = await createMembers(stack, USERS);
  const groups: Array<typeof users> = [];
  for (let from = 0; from < users.length; from += GROUP) groups.push(users.slice(from, from + GROUP));
  const specs: MemberSpec[] = [];
  await inParallel(groups, 4, async (group) => {
    const [owner, ...rest] = group;
    const client = createBenchClient(url, { token: owner!.token });
    try {
      const { conversationId } = await client.chat.createGroup.mutate({ name: 'soak', memberIds: rest.map((member) => member.id) });
      for (const member of group) specs.push({ userId: member.id, token: member.token, conversationId, sender: true });
    } finally {
      await closeChorusClient(client);
    }
  });
  // The away member: the second of the first group (the owner stays).
  const awayUserId = groups[0]![1]!.id;
  for (const spec of specs) if (spec.userId === awayUserId) spec.sender = false;
  return { specs, awayUserId };
}

export async function soak(stack: BenchStack): Promise<BenchReport> {
  const server = await startSoakServer(stack, WINDOW_S * 1000);
  const load = new LoadProcess<SoakRequest>(new URL('./load.ts', import.meta.url));
  const calls = chorusCallsFromEnv();
  try {
    const population = await populate(stack, server.url);
    const connect = await load.request<ConnectResult>(
      { op: 'connect', url: server.url, members: population.specs, awayUserId: population.awayUserId },
      300_000,
    );
    log(`soak: ${population.specs.length} members subscribed in ${connect.ms} ms (${connect.failed} not)`);
    if (connect.failed > 0) throw new Error(`soak: ${connect.failed} members could not subscribe`);

    const samples: Sample[] = [{ t: 0, sent: 0, ...(await readRedisMemory(stack.deps.redis)) }];
    await load.request({ op: 'send', url: server.url, ratePerS: RATE, calls }, 10_000);
    const started = performance.now();
    const leave = await load.request<LeaveResult>({ op: 'leave' }, 60_000);
    log(`soak: the away member left at ${leave.lastEventId} after ${leave.received} message(s)`);
    const durationS = MINUTES * 60;
    for (let next = SAMPLE_S; next <= durationS + 1e-9; next += SAMPLE_S) {
      await sleep(Math.max(0, started + next * 1000 - performance.now()));
      const [status, memory] = await Promise.all([load.request<SoakStatus>({ op: 'status' }, 60_000), readRedisMemory(stack.deps.redis)]);
      samples.push({ t: Math.round(next * 10) / 10, sent: status.sent, ...memory });
      if (!smoke && Math.round(next) % 60 === 0) {
        log(
          `soak: minute ${next / 60}: ${status.sent} sent (${status.failed} failed), used_memory ${(memory.usedMemory / 2 ** 20).toFixed(1)} MB, ${memory.keys} keys`,
        );
      }
    }
    const finish = await load.request<FinishResult>({ op: 'finish', settleMs: sized(30_000, 5_000) }, 120_000);
    log(`soak: sending stopped: ${finish.sent} sent, ${finish.lost} lost, ${finish.duplicated} duplicated over ${finish.members} members`);

    // A day later by the instance's clock: the position the away member kept is 24 hours old to it.
    server.advance(DAY_MS);
    await sleep(sized(3000, 1000));
    const replay = await load.request<ReplayResult>({ op: 'replay', url: server.url, lastEventId: leave.lastEventId, timeoutMs: 120_000 }, 180_000);
    log(`soak: replay after +24 h: ${replay.received} of ${replay.expected}, ${replay.lost} lost, ${replay.duplicated} duplicated, resync ${replay.resyncs}`);
    // 49 hours on, past the 48-hour retention: once the pruning passes (by the instance's clock)
    // ran, the same position can no longer be replayed and must be answered with a resync.
    let expired: ReplayResult | null = null;
    if (process.env.BENCH_SOAK_EXPIRED !== '0') {
      server.advance(25 * 3600 * 1000);
      await sleep(EXPIRED_WAIT_MS);
      expired = await load.request<ReplayResult>({ op: 'replay', url: server.url, lastEventId: leave.lastEventId, timeoutMs: 120_000 }, 180_000);
      log(`soak: replay after +49 h: resync ${expired.resyncReasons.join(', ') || 'none'}, ${expired.received} message(s)`);
    }
    await load.request({ op: 'close' }, 60_000);

    const steady = steadyFigures(samples, STEADY_FROM_S) ?? steadyFigures(samples, Math.min(60, STEADY_FROM_S));
    const deliveries: Record<string, Cell> = {
      'messages sent / failed': `${finish.sent} / ${finish.failed}`,
      'members connected: delivered, lost, duplicated, out of order, resync, dropped sockets': `${finish.members}: ${finish.delivered}, ${finish.lost}, ${finish.duplicated}, ${finish.outOfOrder}, ${finish.resyncs}, ${finish.dropped}`,
    };
    return {
      bench: 'soak',
      rows: rowsOf(samples, sized(60, 6)),
      facts: {
        configuration: `${USERS} users in groups of ${GROUP}, ${RATE} msgs/s for ${MINUTES} min, chat.send over ${calls}, Redis window ${WINDOW_S} s, ${benchOnCluster() ? 'Redis Cluster (3 primaries, summed)' : 'one Redis'}`,
        ...deliveries,
        ...steadyFacts(steady, STEADY_FROM_S),
        ...earlyFlatness(steadyFigures(samples, WINDOW_S + sized(120, 6))),
        ...replayFacts(replay),
        ...(expired ? expiredFacts(expired) : {}),
      },
      notes: [
        'used_memory: Redis INFO memory (a cluster: its primaries summed), sampled every ' +
          `${SAMPLE_S} s with DBSIZE; a row per minute, "growth" since the row before.`,
        `flatness: (max − min) ÷ mean of used_memory over the samples from 2 × window + ${sized(2, 0.1)} min on (stream entries stay one window in Redis, conversation bodies two); goal ≤ 10 %. Slope: least squares over the same samples; bytes (keys) per message: that slope ÷ the messages sent per minute.`,
        "replay: the away member subscribed at the start and left after its first message, keeping that last event id; after sending stopped the instance's clock went 24 h forward (its archive and event pruning judge age by it; Redis's own expiries do not move) and the member resumed from that id: expected = its group's messages sent after it left, read until the snapshot that ends the catch-up; any resync counts as a loss.",
        'replay +49 h: the clock 25 h further, past the 48 h retention, the pruning passes given their time, the same id once more: a resync (expired) is the right answer; a replay means the events were still held.',
        ...(finish.errors.length > 0 ? [`send errors: ${finish.errors.join(' | ')}`] : []),
        ...(smoke ? ['smoke run: the figures mean nothing'] : []),
      ],
    };
  } finally {
    await load.stop();
    await server.close();
  }
}
