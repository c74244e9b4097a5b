// The rooms benchmark's load generator, run as a child process (LoadProcess in fanout.ts) so the
// members' sockets and the owner's playback calls have their own event loop, apart from the
// server they measure.
//
// Members are thin `ws` clients speaking tRPC's WebSocket protocol: connectionParams with the
// session token, one `rooms.events` subscription, one JSON.parse per frame. The owner sends
// `rooms.playback.control` on its own socket (as @chorus/client with calls: 'websocket') or over
// HTTP (as it does by default).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { CallSocket } from './call-socket';
import { HttpMutations } from './http-mutation';
import { closeSockets } from './ws-close';
import { nowMs } from './fanout-protocol';
import { planOf, sendAtFixedRate } from './fixed-rate';
import { serveLoadRequests } from './load-process';
import type { RoomConnectResult, RoomConnectSpec, RoomReceiverSpec, RoomRunResult, RoomRunSpec, RoomsLoadRequest } from './rooms-protocol';

interface Conn {
  spec: RoomReceiverSpec;
  ws: WebSocket;
  ready: boolean;
  /** Seq of the last room event this member received. */
  lastSeq: number;
}

interface RoomEventFrame {
  type?: string;
  seq?: number;
  playback?: { positionSec?: number };
}

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

let conns: Conn[] = [];
let closing = false;
let dropped = 0;
let lastFrameAt = 0;
let frameCount = 0;
/** Room events by type since the last settle or run start. */
const kinds = new Map<string, number>();
let current: Run | null = null;
/** Control calls not yet answered, of any run: a settle waits for them, so a step starts on an idle server. */
let inFlight = 0;

function onRoomEvent(conn: Conn, event: RoomEventFrame): void {
  const kind = event.type ?? '?';
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
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
}

/** Returns true once the subscription delivered its first data (the room.snapshot). */
function onFrame(conn: Conn, frame: string): { ready: boolean; bytes: number } {
  if (frame === 'PING') {
    conn.ws.send('PONG');
    return { ready: false, bytes: 0 };
  }
  frameCount++;
  lastFrameAt = performance.now();
  const msg = JSON.parse(frame) as { result?: { type?: string; data?: { json?: { data?: RoomEventFrame } } }; error?: { message?: string } };
  if (msg.error) throw new Error(`tRPC error: ${msg.error.message ?? JSON.stringify(msg.error)}`);
  if (msg.result?.type !== 'data') return { ready: false, bytes: 0 };
  const event = msg.result.data?.json?.data;
  if (event) onRoomEvent(conn, event);
  return { ready: event?.type === 'room.snapshot', bytes: frame.length };
}

function openConn(spec: RoomReceiverSpec, connect: RoomConnectSpec, snapshotSizes: number[]): Promise<void> {
  const ws = new WebSocket(connect.url, { perMessageDeflate: false });
  const conn: Conn = { spec, ws, ready: false, lastSeq: 0 };
  conns.push(conn);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`member ${spec.userId}: no room.snapshot within ${connect.timeoutMs} ms`)), connect.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: spec.token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'rooms.events', input: { json: { roomId: connect.roomId } } } }));
    });
    ws.on('message', (data: Buffer) => {
      let seen: { ready: boolean; bytes: number };
      try {
        seen = onFrame(conn, data.toString());
      } catch (error) {
        if (!conn.ready) fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (seen.ready && !conn.ready) {
        conn.ready = true;
        snapshotSizes.push(seen.bytes);
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', (error) => {
      if (!conn.ready) fail(error);
    });
    ws.on('close', (code) => {
      if (!conn.ready) fail(new Error(`member ${spec.userId}: closed with ${code} before the snapshot`));
      else if (!closing) dropped++;
    });
  });
}

async function connect(spec: RoomConnectSpec): Promise<RoomConnectResult> {
  if (conns.length > 0) await disconnect();
  closing = false;
  dropped = 0;
  const sizes: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(spec.concurrency, spec.receivers.length) }, async () => {
      while (next < spec.receivers.length) await openConn(spec.receivers[next++]!, spec, sizes);
    }),
  );
  return {
    connected: conns.length,
    ms: Math.round(performance.now() - started),
    snapshotBytes: { min: Math.min(...sizes), max: Math.max(...sizes), total: sizes.reduce((sum, n) => sum + n, 0) },
  };
}

async function settle(quietMs: number, maxMs: number) {
  const started = performance.now();
  const framesBefore = frameCount;
  kinds.clear();
  while (performance.now() - started < maxMs && (inFlight > 0 || performance.now() - Math.max(lastFrameAt, started) < quietMs)) await sleep(50);
  return {
    ms: Math.round(performance.now() - started),
    frames: frameCount - framesBefore,
    quiet: performance.now() - lastFrameAt >= quietMs,
    kinds: [...kinds].map(([kind, n]) => `${kind} ×${n}`).join(', '),
    open: conns.filter((conn) => conn.ws.readyState === WebSocket.OPEN).length,
  };
}

async function disconnect() {
  closing = true;
  const all = conns;
  conns = [];
  ownerSocket?.close();
  ownerSocket = null;
  await closeSockets(all.map((conn) => conn.ws));
  return { closed: all.length };
}

/** The owner's socket for its calls, opened by the first run that sends over WebSocket. */
let ownerSocket: CallSocket | null = null;

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
  const receivers = conns.filter((conn) => conn.ready && conn.ws.readyState === WebSocket.OPEN).length;
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
  dropped = 0;
  if (spec.calls === 'websocket' && !ownerSocket?.open) ownerSocket = await CallSocket.open(spec.httpUrl, spec.ownerToken);
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
    dropped,
  };
}

async function handle(req: RoomsLoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connect(req.spec);
    case 'settle':
      return settle(req.quietMs, req.maxMs);
    case 'run':
      return run(req.spec);
    case 'disconnect':
      return disconnect();
  }
}

serveLoadRequests(handle);
