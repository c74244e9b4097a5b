// The rooms benchmark's load generator, run as a child process (LoadProcess in fanout.ts) so the
// members' sockets and the owner's playback calls have their own event loop, apart from the
// server they measure.
//
// The members' sockets are in rooms/members.ts; this runs the owner's changes and records what
// the members receive. The owner sends `rooms.playback.control` on its own socket (as
// @chorus/client with calls: 'websocket') or over HTTP (as it does by default).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TrpcWire } from '../lib/trpc-wire';
import { HttpMutations } from '../lib/http-mutation';
import { nowMs, planOf, sendAtFixedRate } from '../lib/fixed-rate';
import { serveLoadRequests } from '../lib/load-process';
import { closeMembers, connectMembers, memberStats, onRoomEvent, openMembers, readyMembers } from './members';
import type { RoomRunResult, RoomRunSpec, RoomsLoadRequest } from './protocol';

/** What the current run records; deliveries arriving outside a run only count as frames. */
interface Run {
  base: number;
  total: number;
  isMeasured(k: number): boolean;
  sentAt: Float64Array;
  /** Members that received change k, and when the last one did. */
  got: Uint32Array;
  lastAt: Float64Array;
  deliveryMs: Float64Array;
  deliveries: number;
  delivered: number;
  unmatched: number;
  duplicates: number;
  gaps: number;
}

const http = new HttpMutations(16);
const ACTIONS = ['seek', 'pause', 'play'] as const;

const { kinds } = memberStats;
let current: Run | null = null;
/** Control calls not yet answered, of any run: a settle waits for them, so a step starts on an idle server. */
let inFlight = 0;

/** What a run records of each room event a member gets. */
onRoomEvent((conn, event) => {
  const kind = event.type ?? '?';
  const run = current;
  const logged = kind !== 'room.snapshot' && kind !== 'resync' && kind !== 'playback.drift' && kind !== 'typing';
  if (logged && typeof event.seq === 'number') {
    if (event.seq <= conn.lastSeq) {
      if (run) run.duplicates++;
      return;
    }
    if (run && conn.lastSeq > 0 && event.seq !== conn.lastSeq + 1) run.gaps++;
    conn.lastSeq = event.seq;
  }
  if (kind !== 'room.playback' || !run) return;
  const k = (event.playback?.positionSec ?? Number.NaN) - run.base;
  if (!Number.isInteger(k) || k < 0 || k >= run.total) {
    run.unmatched++;
    return;
  }
  const at = nowMs();
  run.got[k]!++;
  if (at > run.lastAt[k]!) run.lastAt[k] = at;
  if (run.isMeasured(k)) {
    run.delivered++;
    if (run.deliveries < run.deliveryMs.length) run.deliveryMs[run.deliveries++] = at - run.sentAt[k]!;
  }
});

async function settle(quietMs: number, maxMs: number) {
  const started = performance.now();
  const framesBefore = memberStats.frames;
  kinds.clear();
  while (performance.now() - started < maxMs && (inFlight > 0 || performance.now() - Math.max(memberStats.lastFrameAt, started) < quietMs)) await sleep(50);
  return {
    ms: Math.round(performance.now() - started),
    frames: memberStats.frames - framesBefore,
    quiet: performance.now() - memberStats.lastFrameAt >= quietMs,
    kinds: [...kinds].map(([kind, n]) => `${kind} ×${n}`).join(', '),
    open: openMembers(),
  };
}

async function disconnect() {
  ownerSocket?.close();
  ownerSocket = null;
  return { closed: await closeMembers() };
}

/** The owner's socket for its calls, opened by the first run that sends over WebSocket. */
let ownerSocket: TrpcWire | null = null;

/** One rooms.playback.control call; `done` gets an error text or nothing. */
function control(spec: RoomRunSpec, k: number, done: (error?: string) => void): void {
  const input = { roomId: spec.roomId, action: ACTIONS[k % ACTIONS.length], positionSec: spec.positionBase + k };
  if (spec.calls === 'websocket') return ownerSocket!.mutation('rooms.playback.control', input, done);
  // Not retried: a change is not idempotent, and a lost one shows up as missing deliveries.
  http.post(spec.httpUrl, 'rooms.playback.control', spec.ownerToken, input, done, { retryOnReset: false });
}

/** Playback changes on schedule (open loop); latency counts from the moment each call is sent. */
async function run(spec: RoomRunSpec): Promise<RoomRunResult> {
  const plan = planOf(spec);
  const { period, kStart, kEnd, total } = plan;
  const receivers = readyMembers();
  const measured = (k: number) => k >= kStart && k < kEnd;
  const r: Run = {
    base: spec.positionBase,
    total,
    isMeasured: measured,
    sentAt: new Float64Array(total).fill(Number.NaN),
    got: new Uint32Array(total),
    lastAt: new Float64Array(total),
    deliveryMs: new Float64Array((kEnd - kStart) * receivers),
    deliveries: 0,
    delivered: 0,
    unmatched: 0,
    duplicates: 0,
    gaps: 0,
  };
  kinds.clear();
  memberStats.dropped = 0;
  if (spec.calls === 'websocket' && !ownerSocket?.open) ownerSocket = await TrpcWire.open(spec.httpUrl, spec.ownerToken);
  current = r;
  /** Change k: 1 sent, 2 answered, 3 failed. */
  const state = new Uint8Array(total);
  const ackMs: number[] = [];
  let skipped = 0;
  let controlErrors = 0;
  let firstError: string | undefined;

  const dispatch = (k: number) => {
    if (inFlight >= spec.maxInFlight) {
      if (measured(k)) skipped++;
      return;
    }
    inFlight++;
    state[k] = 1;
    r.sentAt[k] = nowMs();
    control(spec, k, (error) => {
      inFlight--;
      if (error) {
        state[k] = 3;
        controlErrors++;
        firstError ??= error;
        return;
      }
      state[k] = 2;
      if (measured(k)) ackMs.push(nowMs() - r.sentAt[k]!);
    });
  };

  const { elu, lagMs } = await sendAtFixedRate(plan, dispatch);

  // The window's changes that were sent and not refused must reach every member.
  const expectedOf = (i: number) => state[i] === 1 || state[i] === 2;
  const complete = () => {
    for (let i = kStart; i < kEnd; i++) if (expectedOf(i) && r.got[i]! < receivers) return false;
    return true;
  };
  const deadline = performance.now() + spec.drainMs;
  while (performance.now() < deadline && !complete()) await sleep(5);
  current = null;

  const allInformedMs: number[] = [];
  let expected = 0;
  for (let i = kStart; i < kEnd; i++) {
    if (!expectedOf(i)) continue;
    expected += receivers;
    allInformedMs.push(r.got[i]! >= receivers ? r.lastAt[i]! - r.sentAt[i]! : Number.POSITIVE_INFINITY);
  }
  return {
    rate: spec.rate,
    receivers,
    measuredChanges: kEnd - kStart,
    skipped,
    controlErrors,
    ...(firstError ? { firstError } : {}),
    elapsedMs: Math.round((kEnd - kStart) * period),
    delivered: r.delivered,
    expected,
    allInformedMs,
    deliveryMs: r.deliveryMs.slice(0, r.deliveries),
    ackMs,
    duplicates: r.duplicates,
    gaps: r.gaps,
    unmatched: r.unmatched,
    otherKinds: [...kinds]
      .filter(([kind]) => kind !== 'room.playback')
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(', '),
    loadElu: Math.round(elu * 100) / 100,
    schedulerLagMs: Math.round(lagMs * 10) / 10,
    dropped: memberStats.dropped,
  };
}

async function handle(req: RoomsLoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connectMembers(req.spec);
    case 'settle':
      return settle(req.quietMs, req.maxMs);
    case 'run':
      return run(req.spec);
    case 'disconnect':
      return disconnect();
  }
}

serveLoadRequests(handle);
