// Watch-together rooms: how fast a playback change reaches a room of 2,000 members on one
// instance. Every member holds `rooms.events` on a socket of its own; the owner sends
// `rooms.playback.control` (seek, pause, play in turn) at a steady rate; for each change the
// load process times every member's room.playback event from the moment the call was sent.
// Goal (the rooms issue): all members informed within 100 ms p99.
//
// Processes: this one runs the server (the harness's); a forked load process (rooms-load.ts)
// holds the members' sockets and sends the owner's calls; MariaDB and Redis are their own.
import { availableParallelism, loadavg } from 'node:os';
import { chorusWs, LoadProcess } from './fanout';
import { createMembers, inParallel, type Member } from './fanout-setup';
import type { BenchReport, BenchStack, Cell } from './harness';
import { log } from './harness';
import { CpuSampler, exposeGc, servicePids, withProfile, type CpuUse } from './process-cpu';
import type { RoomConnectResult, RoomRunResult, RoomsLoadRequest } from './rooms-protocol';
import { quantiles } from './stats';
import { closeChorusClient, createBenchClient } from './workspace';

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const CONFIG = {
  members: Math.floor(envNumber('BENCH_ROOMS_MEMBERS', 2000)),
  /** Playback changes per second, one step each. */
  rates: (process.env.BENCH_ROOMS_RATES ?? '5,10,20')
    .split(',')
    .map(Number)
    .filter((rate) => Number.isFinite(rate) && rate > 0),
  p99LimitMs: 100,
  warmupMs: 1000,
  windowMs: envNumber('BENCH_ROOMS_WINDOW_S', 10) * 1000,
  tailMs: 300,
  drainMs: 5000,
  maxInFlight: 200,
  /** Members join through rooms.join, this many at once (each join is a transaction on the room's row). */
  joinConcurrency: 16,
  connect: { concurrency: 100, timeoutMs: 120_000 },
  settle: { quietMs: 1000, maxMs: 60_000 },
  betweenSteps: { quietMs: 300, maxMs: 30_000 },
  /** BENCH_ROOMS_PROFILE=dir: a V8 CPU profile of this process (the server) over each step. */
  profileDir: process.env.BENCH_ROOMS_PROFILE || null,
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
  const load = new LoadProcess<RoomsLoadRequest>(new URL('./rooms-load.ts', import.meta.url));
  const cpu = new CpuSampler();
  cpu.pids.set('srv', process.pid);
  if (load.pid) cpu.pids.set('load', load.pid);
  for (const [label, pid] of servicePids(stack)) cpu.pids.set(label, pid);
  load.onMark = (mark) => (mark === 'window-start' ? cpu.begin() : cpu.end());
  const gc = exposeGc();
  const steps: Step[] = [];

  try {
    log(`rooms: connecting ${CONFIG.members} members, one socket and one rooms.events subscription each`);
    const connectCpu = new CpuSampler();
    for (const [label, pid] of cpu.pids) connectCpu.pids.set(label, pid);
    connectCpu.begin();
    const connected = await load.request<RoomConnectResult>(
      {
        op: 'connect',
        spec: {
          url: chorusWs(stack.url),
          roomId,
          receivers: members.map((member) => ({ userId: member.id, token: member.token })),
          concurrency: CONFIG.connect.concurrency,
          timeoutMs: CONFIG.connect.timeoutMs,
        },
      },
      CONFIG.connect.timeoutMs * 4,
    );
    connectCpu.end();
    const connectUse = connectCpu.take();
    const settled = await load.request<{ ms: number; frames: number; quiet: boolean; kinds: string; open: number }>({ op: 'settle', ...CONFIG.settle }, CONFIG.settle.maxMs + 30_000);
    facts['connect: members subscribed (room.snapshot received), s'] = `${connected.connected} in ${seconds(connected.ms)} s (${CONFIG.connect.concurrency} sockets opening at once)`;
    facts['connect: room.snapshot frame, KB per member / MB in all'] = `${Math.round(connected.snapshotBytes.max / 1024)} / ${mb(connected.snapshotBytes.total)}`;
    facts['connect: cpu % of one core while connecting'] = connectUse.text || '-';
    facts['connect: frames after the snapshots until quiet'] = `${settled.frames} over ${seconds(settled.ms)} s${settled.quiet ? '' : ' (never quiet)'}${settled.kinds ? ` (${settled.kinds})` : ''}`;
    log(
      `rooms: ${connected.connected} subscribed in ${seconds(connected.ms)} s, snapshot ${Math.round(connected.snapshotBytes.max / 1024)} KB each (${mb(connected.snapshotBytes.total)} MB in all), cpu% ${connectUse.text}, srv loop delay p99/max ${connectUse.loopDelay} ms`,
    );
    gc?.();
    facts[`srv heapUsed MB with ${CONFIG.members} subscriptions${gc ? ', after a full GC' : ''}`] = mb(process.memoryUsage().heapUsed);

    // ---- steps: one rate each
    for (const [index, rate] of CONFIG.rates.entries()) {
      const between = await load.request<{ open: number }>({ op: 'settle', ...CONFIG.betweenSteps }, CONFIG.betweenSteps.maxMs + 30_000);
      if (between.open < CONFIG.members) log(`rooms: only ${between.open} of ${CONFIG.members} member sockets still open`);
      const spec = {
        httpUrl: stack.url,
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
      steps.push(summarize(rate, result, cpu.take()));
    }
  } finally {
    await load.request({ op: 'disconnect' }, 60_000).catch(() => {});
    await load.stop();
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
      'server CPU ms/change': serverMsPerChange(step.cpu, changesPerSec),
      'cpu% (window)': step.cpu.text || '-',
      'srv loop delay p99/max ms': step.cpu.loopDelay,
      verdict: step.pass ? 'pass' : `FAIL: ${step.why}`,
    };
  });

  const passed = steps.filter((step) => step.pass);
  const failed = steps.filter((step) => !step.pass);
  const goal = steps.length === 0 ? 'not measured' : failed.length === 0 ? 'met' : passed.length === 0 ? 'MISSED' : 'met at some rates only';
  notes.push(
    `goal: ${CONFIG.members.toLocaleString('en')} members all informed of a playback change within ${CONFIG.p99LimitMs} ms p99 on one instance: ${goal}${steps
      .map((step) => ` — ${step.rate}/s: p99 ${ms(step.allInformed[2] ?? Number.NaN)} ms`)
      .join('')}`,
    `a step: the owner calls rooms.playback.control (seek, pause, play in turn, each to a new position) open loop at the rate, over HTTP with a Bearer token; ${CONFIG.warmupMs} ms unmeasured, ${CONFIG.windowMs} ms measured (BENCH_ROOMS_WINDOW_S), ${CONFIG.tailMs} ms more; up to ${CONFIG.drainMs} ms for the deliveries. It passes when the p99 of "all informed" < ${CONFIG.p99LimitMs} ms, every member got every change, no call failed or was skipped`,
    'informed (all informed): per change, from sending the call to the last member parsing its room.playback event (a member that never got it makes the change "lost"); delivery: the same for each member and change. Both clocks are the load process\'s. ack: the call\'s HTTP response',
    'delivered events/s: room.playback events of the measured changes received by members ÷ the measured window; changes/s: changes whose call succeeded ÷ the window',
    'members: minimal `ws` clients in a forked load process (rooms-load.ts), one socket each, speaking tRPC\'s protocol (connectionParams, one rooms.events subscription, one JSON.parse per frame); each member joined through rooms.join before subscribing',
    'Chorus per change: a transaction on the room row (lock, update, conversation_events row with the next seq), a Redis Lua script (head + PUBLISH on chorus:room), the drift reports cleared; each instance parses the message once and every member\'s generator yields it, tRPC serializing it (superjson) once per member',
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
  const p99 = allInformed[2] ?? Number.NaN;
  if (!(p99 < CONFIG.p99LimitMs)) reasons.push(`all-informed p99 ${ms(p99)} ms ≥ ${CONFIG.p99LimitMs}`);
  const pass = reasons.length === 0;
  log(
    `rooms: ${rate} changes/s to ${result.receivers} members → ${Math.round((result.delivered * 1000) / result.elapsedMs)} delivered/s; all informed p50 ${ms(allInformed[0] ?? Number.NaN)} p99 ${ms(p99)} max ${ms(allInformed[3] ?? Number.NaN)} ms; per delivery p50 ${ms(delivery[0] ?? Number.NaN)} p99 ${ms(delivery[2] ?? Number.NaN)} ms; ack p99 ${ms(ack[1] ?? Number.NaN)} ms; load ELU ${result.loadElu}, scheduler lag ${result.schedulerLagMs} ms; cpu% ${cpu.text}; srv loop delay p99/max ${cpu.loopDelay} ms${result.otherKinds ? `; other events ${result.otherKinds}` : ''}${result.unmatched ? `; ${result.unmatched} unmatched` : ''} — ${pass ? 'pass' : `FAIL: ${reasons.join('; ')}`}`,
  );
  return { rate, result, cpu, allInformed, delivery, ack, pass, why: reasons.join('; ') || 'ok' };
}
