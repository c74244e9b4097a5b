// Watch-together rooms: how fast a playback change reaches a room of 2,000 members on one
// instance. Every member holds `rooms.events` on a socket of its own; the owner sends
// `rooms.playback.control` (seek, pause, play in turn) at a steady rate; for each change the
// load process times every member's room.playback event from the moment the call was sent.
// Goal (the rooms issue): all members informed within 100 ms p99.
//
// Processes: this one runs the server (the harness's); a forked load process (rooms/load.ts)
// holds the members' sockets and sends the owner's calls; MariaDB and Redis are their own.
import { availableParallelism, loadavg } from 'node:os';
import { LoadProcess } from '../lib/load-process';
import { chorusWs } from '../lib/trpc-wire';
import { createMembers, inParallel, type Member } from '../lib/members';
import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { CpuSampler, exposeGc, servicePids, withProfile, type CpuUse } from '../lib/process-cpu';
import { quietMachineWaiter } from '../lib/quiet-machine';
import type { RoomConnectResult, RoomRunResult, RoomsLoadRequest } from './protocol';
import { chorusCallsFromEnv, envNumber, sized, smoke } from '../lib/env';
import { quantiles } from '../lib/stats';
import { closeChorusClient, createBenchClient } from '../lib/workspace';

const CONFIG = {
  members: Math.floor(envNumber('BENCH_ROOMS_MEMBERS', sized(2000, 20))),
  /** Playback changes per second, one step each. */
  rates: (process.env.BENCH_ROOMS_RATES ?? sized('1,2,5,10,20', '5'))
    .split(',')
    .map(Number)
    .filter((rate) => Number.isFinite(rate) && rate > 0),
  p99LimitMs: 100,
  warmupMs: sized(1000, 200),
  windowMs: envNumber('BENCH_ROOMS_WINDOW_S', sized(10, 1)) * 1000,
  tailMs: 300,
  drainMs: 5000,
  maxInFlight: 200,
  /** Members join through rooms.join, this many at once (each join is a transaction on the room's row). */
  joinConcurrency: 16,
  connect: { concurrency: 100, timeoutMs: 120_000 },
  settle: { quietMs: sized(1000, 200), maxMs: 60_000 },
  betweenSteps: { quietMs: 300, maxMs: 30_000 },
  /** Before a step, wait (up to perStepMs) until the rest of the machine uses less than maxPercent of a core. */
  quietMachine: { maxPercent: 25, perStepMs: 20_000, skip: smoke },
  /** BENCH_ROOMS_PROFILE=dir: V8 CPU profiles of this process (the server) while the members connect and over each step. */
  profileDir: process.env.BENCH_ROOMS_PROFILE || null,
  /** BENCH_CHORUS_CALLS=http: the owner's playback calls go over HTTP instead of its own socket. */
  calls: chorusCallsFromEnv(),
};

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const mb = (bytes: number) => Number((bytes / 1048576).toFixed(1));
const ms = (value: number): Cell => (Number.isFinite(value) ? value : 'lost');

/** Server CPU time per change (its deliveries to every member included), in ms. */
function serverMsPerChange(cpu: CpuUse, changesPerSec: number): Cell {
  const server = cpu.percent.get('srv');
  if (server === undefined || changesPerSec <= 0) return '-';
  return Number(((server / 100) * (1000 / changesPerSec)).toFixed(1));
}

interface Step {
  rate: number;
  result: RoomRunResult;
  cpu: CpuUse;
  allInformed: number[];
  delivery: number[];
  ack: number[];
  pass: boolean;
  /** Every change reached every member, none failed or was skipped, and latency did not keep growing through the window: the server was not overloaded. */
  keptUp: boolean;
  why: string;
}

export async function rooms(stack: BenchStack): Promise<BenchReport> {
  const facts: Record<string, Cell> = {
    'machine: cores (os.availableParallelism) / load average at start': `${availableParallelism()} / ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  };
  const notes: string[] = [];

  // ---- setup: users, the room, its members, its media
  log(`rooms: creating ${CONFIG.members} users with sessions`);
  let t0 = performance.now();
  const members = await createMembers(stack, CONFIG.members);
  facts['setup: users + sessions, s'] = seconds(performance.now() - t0);
  const [owner, ...rest] = members;
  if (!owner) throw new Error('rooms: no members');

  const ownerClient = createBenchClient(stack.url, { token: owner.token });
  let roomId: number;
  try {
    const room = await ownerClient.rooms.create.mutate({
      name: 'rooms bench',
      visibility: 'public',
      joinPolicy: 'open',
      historyVisible: true,
      syncEnabled: true,
      controlPolicy: 'owner',
      maxMembers: Math.max(2, CONFIG.members),
    });
    roomId = room.id;

    log(`rooms: ${rest.length} members joining room ${roomId} through rooms.join, ${CONFIG.joinConcurrency} at once`);
    t0 = performance.now();
    await inParallel(rest, CONFIG.joinConcurrency, async (member: Member) => {
      const client = createBenchClient(stack.url, { token: member.token });
      try {
        await client.rooms.join.mutate({ roomId });
      } finally {
        await closeChorusClient(client);
      }
    });
    const joinMs = performance.now() - t0;
    facts['setup: rooms.join of every member, s (joins/s)'] = `${seconds(joinMs)} (${Math.round((rest.length * 1000) / joinMs)}/s)`;
    const view = await ownerClient.rooms.get.query({ roomId });
    if (view.room.memberCount !== CONFIG.members) throw new Error(`rooms: memberCount ${view.room.memberCount}, expected ${CONFIG.members}`);
    await ownerClient.rooms.playback.control.mutate({ roomId, action: 'set_media', mediaUrl: 'https://media.example.com/bench.mp4' });
  } finally {
    await closeChorusClient(ownerClient);
  }

  // ---- the load process, CPU sampling
  const load = new LoadProcess<RoomsLoadRequest>(new URL('./load.ts', import.meta.url));
  const cpu = new CpuSampler();
  const { quietMachine } = quietMachineWaiter(cpu, CONFIG.quietMachine);
  cpu.pids.set('srv', process.pid);
  if (load.pid) cpu.pids.set('load', load.pid);
  for (const [label, pid] of servicePids(stack)) cpu.pids.set(label, pid);
  load.onMark = (mark) => (mark === 'window-start' ? cpu.begin() : cpu.end());
  const gc = exposeGc();
  const steps: Step[] = [];
  const notRun: number[] = [];

  try {
    log(`rooms: connecting ${CONFIG.members} members, one socket and one rooms.events subscription each`);
    const connectCpu = new CpuSampler();
    for (const [label, pid] of cpu.pids) connectCpu.pids.set(label, pid);
    connectCpu.begin();
    const connectSpec = {
      url: chorusWs(stack.url),
      roomId,
      receivers: members.map((member) => ({ userId: member.id, token: member.token })),
      concurrency: CONFIG.connect.concurrency,
      timeoutMs: CONFIG.connect.timeoutMs,
    };
    const connected = await withProfile(CONFIG.profileDir, 'rooms-connect', () =>
      load.request<RoomConnectResult>({ op: 'connect', spec: connectSpec }, CONFIG.connect.timeoutMs * 4),
    );
    connectCpu.end();
    const connectUse = connectCpu.take();
    const settled = await load.request<{ ms: number; frames: number; quiet: boolean; kinds: string; open: number }>(
      { op: 'settle', ...CONFIG.settle },
      CONFIG.settle.maxMs + 30_000,
    );
    facts['connect: members subscribed (room.snapshot received), s'] =
      `${connected.connected} in ${seconds(connected.ms)} s (${CONFIG.connect.concurrency} sockets opening at once)`;
    facts['connect: room.snapshot frame, KB per member / MB in all'] =
      `${Math.round(connected.snapshotBytes.max / 1024)} / ${mb(connected.snapshotBytes.total)}`;
    facts['connect: cpu % of one core while connecting / srv loop delay p99/max ms'] = `${connectUse.text || '-'} / ${connectUse.loopDelay}`;
    const srvConnect = connectUse.percent.get('srv');
    facts['connect: server CPU ms per subscription'] =
      srvConnect === undefined ? '-' : Math.round(((srvConnect / 100) * connected.ms) / Math.max(1, connected.connected));
    facts['connect: frames after the snapshots until quiet'] =
      `${settled.frames} over ${seconds(settled.ms)} s${settled.quiet ? '' : ' (never quiet)'}${settled.kinds ? ` (${settled.kinds})` : ''}`;
    log(
      `rooms: ${connected.connected} subscribed in ${seconds(connected.ms)} s, snapshot ${Math.round(connected.snapshotBytes.max / 1024)} KB each (${mb(connected.snapshotBytes.total)} MB in all), cpu% ${connectUse.text}, srv loop delay p99/max ${connectUse.loopDelay} ms`,
    );
    gc?.();
    facts[`srv heapUsed MB with ${CONFIG.members} subscriptions${gc ? ', after a full GC' : ''}`] = mb(process.memoryUsage().heapUsed);

    // ---- steps: one rate each
    for (const [index, rate] of CONFIG.rates.entries()) {
      const between = await load.request<{ open: number }>({ op: 'settle', ...CONFIG.betweenSteps }, CONFIG.betweenSteps.maxMs + 30_000);
      if (between.open < CONFIG.members) log(`rooms: only ${between.open} of ${CONFIG.members} member sockets still open`);
      await quietMachine('rooms');
      const spec = {
        httpUrl: stack.url,
        calls: CONFIG.calls,
        roomId,
        ownerToken: owner.token,
        rate,
        warmupMs: CONFIG.warmupMs,
        windowMs: CONFIG.windowMs,
        tailMs: CONFIG.tailMs,
        drainMs: CONFIG.drainMs,
        positionBase: (index + 1) * 100_000,
        maxInFlight: CONFIG.maxInFlight,
      };
      const result = await withProfile(CONFIG.profileDir, `rooms-${rate}-per-s`, () => load.request<RoomRunResult>({ op: 'run', spec }, 180_000));
      const step = summarize(rate, result, cpu.take());
      steps.push(step);
      // A higher rate would only queue more behind a server that already fell behind.
      if (!step.keptUp && index < CONFIG.rates.length - 1) {
        notRun.push(...CONFIG.rates.slice(index + 1));
        break;
      }
    }
  } finally {
    await load.request({ op: 'disconnect' }, 60_000).catch(() => {});
    await load.stop();
  }
  if (gc) {
    // What the subscriptions held: the server lets go of it once they end.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gc();
    facts['srv heapUsed MB after the members disconnected, after a full GC'] = mb(process.memoryUsage().heapUsed);
  }

  // ---- report
  const rows = steps.map((step) => {
    const [a50, a95, a99, aMax] = step.allInformed;
    const [d50, d95, d99, dMax] = step.delivery;
    const [k50, k99] = step.ack;
    const r = step.result;
    const changesPerSec = Number(((r.allInformedMs.length * 1000) / r.elapsedMs).toFixed(1));
    return {
      case: `room of ${r.receivers}, ${step.rate} changes/s`,
      'changes/s': changesPerSec,
      changes: r.allInformedMs.length,
      'delivered events/s': Math.round((r.delivered * 1000) / r.elapsedMs),
      'informed p50': ms(a50 ?? Number.NaN),
      'informed p95': ms(a95 ?? Number.NaN),
      'informed p99': ms(a99 ?? Number.NaN),
      'informed max': ms(aMax ?? Number.NaN),
      'delivery p50': ms(d50 ?? Number.NaN),
      'delivery p95': ms(d95 ?? Number.NaN),
      'delivery p99': ms(d99 ?? Number.NaN),
      'delivery max': ms(dMax ?? Number.NaN),
      'ack p50': ms(k50 ?? Number.NaN),
      'ack p99': ms(k99 ?? Number.NaN),
      missing: r.expected - r.delivered,
      'load ELU': r.loadElu,
      'server CPU ms/change': serverMsPerChange(step.cpu, changesPerSec),
      'cpu% (window)': step.cpu.text || '-',
      'srv loop delay p99/max ms': step.cpu.loopDelay,
      verdict: step.pass ? 'pass' : `FAIL: ${step.why}`,
    };
  });

  const keptUp = steps.filter((step) => step.keptUp).at(-1);
  facts['delivered events/s at the highest rate the server kept up with (all-informed p99 there)'] = keptUp
    ? `${Math.round((keptUp.result.delivered * 1000) / keptUp.result.elapsedMs)} at ${keptUp.rate} changes/s (p99 ${ms(keptUp.allInformed[2] ?? Number.NaN)} ms)`
    : 'none';
  const others = cpu.others;
  facts['other processes: CPU % of one core during the measured windows, avg / max'] =
    others.length > 0 ? `${Math.round(others.reduce((sum, n) => sum + n, 0) / others.length)} / ${Math.max(...others)}` : '-';
  const best = steps.filter((step) => step.pass).at(-1);
  facts[`highest rate with all members informed within ${CONFIG.p99LimitMs} ms p99`] = best ? `${best.rate} changes/s` : `none of ${CONFIG.rates.join(', ')}/s`;
  const passed = steps.filter((step) => step.pass);
  const failed = steps.filter((step) => !step.pass);
  const goal = steps.length === 0 ? 'not measured' : failed.length === 0 ? 'met' : passed.length === 0 ? 'MISSED' : 'met at some rates only';
  notes.push(
    `goal: ${CONFIG.members.toLocaleString('en')} members all informed of a playback change within ${CONFIG.p99LimitMs} ms p99 on one instance: ${goal}${steps
      .map((step) => ` — ${step.rate}/s: p99 ${ms(step.allInformed[2] ?? Number.NaN)} ms`)
      .join('')}${notRun.length > 0 ? ` (not run, the server having fallen behind at a lower rate: ${notRun.join(', ')}/s)` : ''}`,
    `a step: the owner calls rooms.playback.control (seek, pause, play in turn, each to a new position) open loop at the rate, ${CONFIG.calls === 'websocket' ? "on the owner's own socket (as @chorus/client with calls: 'websocket' sends it)" : 'over HTTP with a Bearer token'} (BENCH_CHORUS_CALLS=${CONFIG.calls}); ${CONFIG.warmupMs} ms unmeasured, ${CONFIG.windowMs} ms measured (BENCH_ROOMS_WINDOW_S), ${CONFIG.tailMs} ms more; up to ${CONFIG.drainMs} ms for the deliveries. It passes when the p99 of "all informed" < ${CONFIG.p99LimitMs} ms, every member got every change, no call failed or was skipped (> ${CONFIG.maxInFlight} unanswered). Rates ${CONFIG.rates.join(', ')}/s (BENCH_ROOMS_RATES) in turn; the next rate runs only if the server kept up (nothing missing, failed or skipped, and the all-informed median of the window's last third under 2× its first third + 100 ms)`,
    `before each step the benchmark waits (≤ ${CONFIG.quietMachine.perStepMs / 1000} s) until other processes use < ${CONFIG.quietMachine.maxPercent}% of a core; "other" in the cpu column shows what they took during the window anyway`,
    'load ELU: event-loop utilisation of the load process over the window (near 1 = the clients, not the server, set the pace)',
    'connect: all members subscribe at once (as after a restart), each getting a room.snapshot that lists every member; server CPU ms per subscription = srv CPU while connecting ÷ subscriptions. heapUsed is this process (the server and the benchmark) after a full GC, with every subscription open and after they closed',
    'informed (all informed): per change, from sending the call to the last member parsing its room.playback event (a member that never got it makes the change "lost"); delivery: the same for each member and change. Both clocks are the load process\'s. ack: the call\'s answer',
    'delivered events/s: room.playback events of the measured changes received by members ÷ the measured window; changes/s: changes whose call did not fail ÷ the window',
    "members: minimal `ws` clients in a forked load process (rooms/load.ts), one socket each, speaking tRPC's protocol (connectionParams, one rooms.events subscription, one JSON.parse per frame); each member joined through rooms.join before subscribing",
    "Chorus per change: a transaction on the room row (lock, update, conversation_events row with the next seq), a Redis Lua script (head + PUBLISH on chorus:room), the drift reports cleared; each instance parses the message once and every member's generator yields it, serialized once (superjson and JSON) and written to each socket uncompressed",
    `processes: "srv" = this process (the server), "load" = members and owner (forked), "db" = MariaDB, "redis" = Redis, "other" = the rest of the machine; cpu = % of one core during the measured window, of ${availableParallelism()} cores in all. server CPU ms/change: srv CPU in the window ÷ changes/s (a change includes its ${CONFIG.members.toLocaleString('en')} deliveries)`,
  );
  return { bench: 'rooms', rows, facts, notes };
}

function summarize(rate: number, result: RoomRunResult, cpu: CpuUse): Step {
  const allInformed = quantiles(result.allInformedMs, [0.5, 0.95, 0.99, 1]);
  const missing = result.expected - result.delivered;
  // Deliveries that never came count as slowest, as in the fanout benchmark.
  const deliveries = missing > 0 ? Float64Array.from([...result.deliveryMs, ...Array<number>(missing).fill(Number.POSITIVE_INFINITY)]) : result.deliveryMs;
  const delivery = quantiles(deliveries, [0.5, 0.95, 0.99, 1]);
  const ack = quantiles(result.ackMs, [0.5, 0.99]);
  const reasons: string[] = [];
  if (result.controlErrors > 0) reasons.push(`${result.controlErrors} calls failed (${result.firstError ?? '?'})`);
  if (result.skipped > 0) reasons.push(`${result.skipped} changes skipped (> ${CONFIG.maxInFlight} in flight)`);
  if (missing > 0) reasons.push(`${missing} deliveries missing after ${CONFIG.drainMs} ms`);
  if (result.dropped > 0) reasons.push(`${result.dropped} member sockets closed by the server`);
  if (result.duplicates > 0 || result.gaps > 0) reasons.push(`${result.duplicates} duplicate and ${result.gaps} gap events`);
  // A server that cannot keep pace queues the changes: their latency keeps growing through the window.
  const third = Math.floor(result.allInformedMs.length / 3);
  const [early = Number.NaN] = quantiles(result.allInformedMs.slice(0, third), [0.5]);
  const [late = Number.NaN] = quantiles(result.allInformedMs.slice(-third), [0.5]);
  const growing = third > 0 && late > 2 * early + 100;
  if (growing) reasons.push(`fell behind: all-informed median ${ms(early)} ms in the first third of the window, ${ms(late)} ms in the last`);
  const keptUp = reasons.length === 0;
  const p99 = allInformed[2] ?? Number.NaN;
  if (!(p99 < CONFIG.p99LimitMs)) reasons.push(`all-informed p99 ${ms(p99)} ms ≥ ${CONFIG.p99LimitMs}`);
  const pass = reasons.length === 0;
  log(
    `rooms: ${rate} changes/s to ${result.receivers} members → ${Math.round((result.delivered * 1000) / result.elapsedMs)} delivered/s; all informed p50 ${ms(allInformed[0] ?? Number.NaN)} p99 ${ms(p99)} max ${ms(allInformed[3] ?? Number.NaN)} ms; per delivery p50 ${ms(delivery[0] ?? Number.NaN)} p99 ${ms(delivery[2] ?? Number.NaN)} ms; ack p99 ${ms(ack[1] ?? Number.NaN)} ms; load ELU ${result.loadElu}, scheduler lag ${result.schedulerLagMs} ms; cpu% ${cpu.text}; srv loop delay p99/max ${cpu.loopDelay} ms${result.otherKinds ? `; other events ${result.otherKinds}` : ''}${result.unmatched ? `; ${result.unmatched} unmatched` : ''} — ${pass ? 'pass' : `FAIL: ${reasons.join('; ')}`}`,
  );
  return { rate, result, cpu, allInformed, delivery, ack, pass, keptUp, why: reasons.join('; ') || 'ok' };
}
