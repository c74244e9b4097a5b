// The fanout benchmark's load generator, run as a child process (fork) of the benchmark so that
// its receivers and senders have their own event loop, apart from the servers they measure.
//
// Receivers are thin `ws` clients speaking each server's own wire protocol (tRPC's, Socket.IO's
// engine.io framing, or the plain JSON of the ws baseline) and doing the same work per frame:
// one JSON.parse. So the client side costs the same whichever server is measured.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { mutationFrame } from './call-socket';
import { framesOf, type FrameSink } from './fanout-frames';
import { HttpMutations } from './http-mutation';
import { Histogram } from './histogram';
import { serveLoadRequests } from './load-process';
import { closeSockets } from './ws-close';
import {
  messageText,
  nowMs,
  parseMessageText,
  type ClosedLoopSpec,
  type LoadMessage,
  type LoadRequest,
  type LoadResult,
  type OpenLoopSpec,
  type ReceiverSpec,
  type SenderSpec,
  type System,
} from './fanout-protocol';

interface Run {
  id: string;
  isMeasured(k: number): boolean;
  delivered: number;
  latency: Histogram;
  ack: Histogram;
  measuredSends: number;
  measuredFailed: number;
  acked: number;
  skipped: number;
  sendErrors: number;
  firstError?: string;
}

interface Conn {
  spec: ReceiverSpec;
  userId: number;
  ws: WebSocket;
  ready: boolean;
}

type Done = (error?: string) => void;

const http = new HttpMutations(256);
let system: System | null = null;
let conns: Conn[] = [];
const byUser = new Map<number, Conn>();
let current: Run | null = null;
let lastFrameAt = 0;
let frameCount = 0;
/** Chorus events by type since the last settle (what keeps a settle from getting quiet). */
const kinds = new Map<string, number>();
let dropped = 0;
let closing = false;
const pendingAcks = new Map<number, { done: Done; conn: Conn }>();
/** From 2: a Chorus receiver's subscription is tRPC request 1 on its socket, its sends take the other ids. */
let nextAck = 2;
let runCounter = 0;

function newRun(isMeasured: (k: number) => boolean): Run {
  return {
    id: `r${process.pid.toString(36)}${(++runCounter).toString(36)}`,
    isMeasured,
    delivered: 0,
    latency: new Histogram(),
    ack: new Histogram(),
    measuredSends: 0,
    measuredFailed: 0,
    acked: 0,
    skipped: 0,
    sendErrors: 0,
  };
}

/** Every frame but keep-alives: a settle waits until these stop. */
function countFrame(): void {
  frameCount++;
  lastFrameAt = performance.now();
}

function onText(text: unknown): void {
  const parsed = parseMessageText(text);
  const run = current;
  if (!parsed || !run || parsed.run !== run.id || !run.isMeasured(parsed.k)) return;
  run.delivered++;
  run.latency.record(nowMs() - parsed.sentAtMs);
}

function settleAck(id: number, error?: string): void {
  const pending = pendingAcks.get(id);
  if (!pending) return;
  pendingAcks.delete(id);
  pending.done(error);
}

const sink: FrameSink = {
  frame: countFrame,
  kind: (type) => kinds.set(type, (kinds.get(type) ?? 0) + 1),
  text: onText,
  ack: settleAck,
};

/** A socket that closed will never acknowledge what was sent on it. */
function failAcksOf(conn: Conn): void {
  for (const [id, pending] of pendingAcks) if (pending.conn === conn) settleAck(id, 'socket closed before the acknowledgement');
}

// ---- receivers: one socket per user, speaking the server's protocol ----


function openConn(target: System, spec: ReceiverSpec, timeoutMs: number): Promise<void> {
  const protocol = framesOf[target];
  const ws = new WebSocket(spec.url, { perMessageDeflate: false });
  const conn: Conn = { spec, userId: spec.userId, ws, ready: false };
  conns.push(conn);
  byUser.set(spec.userId, conn);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${spec.userId}: not ready within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.on('open', () => protocol.onOpen(ws, spec));
    ws.on('message', (data: Buffer) => {
      let ready = false;
      try {
        ready = protocol.onFrame(ws, data.toString(), sink);
      } catch (error) {
        if (!conn.ready) fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (ready && !conn.ready) {
        conn.ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', (error) => {
      if (!conn.ready) fail(error);
    });
    ws.on('close', (code) => {
      failAcksOf(conn);
      if (!conn.ready) fail(new Error(`receiver ${spec.userId}: closed with ${code} before ready`));
      else if (!closing) dropped++;
    });
  });
}

async function connect(target: System, receivers: ReceiverSpec[], concurrency: number, timeoutMs: number) {
  if (conns.length > 0) await disconnect();
  system = target;
  closing = false;
  dropped = 0;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, receivers.length) }, async () => {
      while (next < receivers.length) await openConn(target, receivers[next++]!, timeoutMs);
    }),
  );
  return { connected: conns.length, ms: Math.round(performance.now() - started) };
}

/** Reopens receivers the server closed (a keep-alive timeout under overload), as a client would. */
async function heal(timeoutMs: number): Promise<number> {
  if (!system) return 0;
  const target = system;
  const lost = conns.filter((conn) => conn.ws.readyState === WebSocket.CLOSED || conn.ws.readyState === WebSocket.CLOSING);
  if (lost.length === 0) return 0;
  const gone = new Set(lost);
  conns = conns.filter((conn) => !gone.has(conn));
  await Promise.allSettled(lost.map((conn) => openConn(target, conn.spec, timeoutMs)));
  return lost.length;
}

async function settle(quietMs: number, maxMs: number) {
  const reconnected = await heal(60_000);
  const started = performance.now();
  const framesBefore = frameCount;
  kinds.clear();
  while (performance.now() - started < maxMs && performance.now() - Math.max(lastFrameAt, started) < quietMs) await sleep(50);
  const byKind = [...kinds].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  return { ms: Math.round(performance.now() - started), frames: frameCount - framesBefore, quiet: performance.now() - lastFrameAt >= quietMs, kinds: byKind, reconnected };
}

async function disconnect() {
  closing = true;
  const all = conns;
  conns = [];
  byUser.clear();
  await closeSockets(all.map((conn) => conn.ws));
  for (const pending of pendingAcks.values()) pending.done('disconnected');
  pendingAcks.clear();
  system = null;
  return { closed: all.length };
}

// ---- senders ----

/** chat.send over HTTP; idempotent by clientId, so a reset keep-alive socket is retried once. */
function sendChorus(sender: SenderSpec, clientId: string, text: string, done: Done): void {
  const input = { conversationId: sender.conversationId, clientId, kind: 'text', text };
  http.post(sender.url ?? '', 'chat.send', sender.token ?? '', input, done, { retryOnReset: true });
}

function sendOnSocket(frame: (ackId: number) => string, sender: SenderSpec, done: Done): void {
  const conn = byUser.get(sender.userId);
  if (!conn || conn.ws.readyState !== WebSocket.OPEN) return done(`no open socket for sender ${sender.userId}`);
  const ackId = nextAck++;
  pendingAcks.set(ackId, { done, conn });
  conn.ws.send(frame(ackId));
}

function send(sender: SenderSpec, clientId: string, text: string, done: Done): void {
  if (system === 'chorus' && sender.calls === 'websocket') {
    // What @chorus/client's wsLink sends for chat.send.mutate(...) with `calls: 'websocket'`.
    const input = { conversationId: sender.conversationId, clientId, kind: 'text', text };
    return sendOnSocket((id) => mutationFrame(id, 'chat.send', input), sender, done);
  }
  if (system === 'chorus') return sendChorus(sender, clientId, text, done);
  const body = { c: sender.conversationId, k: clientId, t: text };
  if (system === 'ws') return sendOnSocket((a) => JSON.stringify({ a, ...body }), sender, done);
  if (system === 'socketio') return sendOnSocket((a) => `42${a}${JSON.stringify(['send', body])}`, sender, done);
  done('not connected');
}

// ---- runs ----

const mark = (which: 'window-start' | 'window-end') => process.send?.({ mark: which } satisfies LoadMessage);

async function waitForDeliveries(run: Run, fanout: number, inFlight: () => number, drainMs: number): Promise<void> {
  const deadline = performance.now() + drainMs;
  while (performance.now() < deadline) {
    const expected = (run.measuredSends - run.measuredFailed) * fanout;
    if (inFlight() === 0 && run.delivered >= expected) return;
    await sleep(5);
  }
}

/** Whole numbers, but two decimals below 100/s (a group step may send less than one message a second). */
const rate = (perSecond: number): number => (perSecond >= 100 ? Math.round(perSecond) : Math.round(perSecond * 100) / 100);

function result(run: Run, fanout: number, windowMs: number, loadElu: number, schedulerLagMs: number): LoadResult {
  const expected = (run.measuredSends - run.measuredFailed) * fanout;
  const missing = Math.max(0, expected - run.delivered);
  const seconds = Math.max(windowMs, 1) / 1000;
  return {
    measuredSends: run.measuredSends,
    skipped: run.skipped,
    sendErrors: run.sendErrors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    expected,
    delivered: run.delivered,
    missing,
    elapsedMs: Math.round(windowMs),
    sendsPerSec: rate(run.acked / seconds),
    deliveriesPerSec: rate(run.delivered / seconds),
    latency: run.latency.quantiles(missing),
    ack: run.ack.quantiles(run.measuredSends - run.measuredFailed - run.acked),
    loadElu: Math.round(loadElu * 100) / 100,
    schedulerLagMs: Math.round(schedulerLagMs * 10) / 10,
  };
}

/** Sends at a fixed rate whatever the server does; latency counts from the scheduled send time. */
async function openLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const period = 1000 / spec.rate;
  const kStart = Math.ceil(spec.warmupMs / period);
  const kEnd = Math.ceil((spec.warmupMs + spec.windowMs) / period);
  const total = Math.ceil((spec.warmupMs + spec.windowMs + spec.tailMs) / period);
  const run = newRun((k) => k >= kStart && k < kEnd);
  current = run;
  let inFlight = 0;
  let k = 0;
  let lag = 0;
  let eluStart = performance.eventLoopUtilization();
  let elu = 0;
  const start = nowMs() + 5;

  let windowEnded = false;
  const endWindow = () => {
    if (windowEnded) return;
    windowEnded = true;
    elu = performance.eventLoopUtilization(eluStart).utilization;
    mark('window-end');
  };
  const dispatch = (n: number, scheduledAt: number) => {
    const measured = run.isMeasured(n);
    if (n === kStart) {
      eluStart = performance.eventLoopUtilization();
      mark('window-start');
    }
    if (n === kEnd) endWindow();
    if (inFlight >= spec.maxInFlight) {
      if (measured) run.skipped++;
      return;
    }
    if (measured) run.measuredSends++;
    inFlight++;
    const sender = spec.senders[n % spec.senders.length]!;
    const sentAt = performance.now();
    send(sender, `${run.id}-${n}`, messageText(run.id, n, scheduledAt), (error) => {
      inFlight--;
      if (error) {
        run.sendErrors++;
        run.firstError ??= error;
        if (measured) run.measuredFailed++;
      } else if (measured) {
        run.acked++;
        run.ack.record(performance.now() - sentAt);
      }
    });
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowMs();
      const due = Math.min(total, Math.floor((now - start) / period) + 1);
      if (k < due) lag = Math.max(lag, now - (start + k * period));
      while (k < due) {
        dispatch(k, start + k * period);
        k++;
      }
      if (k >= total) {
        clearInterval(timer);
        // At a low rate the window may close with the last send.
        endWindow();
        resolve();
      }
    }, 1);
  });
  await waitForDeliveries(run, spec.fanout, () => inFlight, spec.drainMs);
  current = null;
  // The measured messages are those scheduled in [kStart, kEnd): their span is the window.
  return result(run, spec.fanout, (kEnd - kStart) * period, elu, lag);
}

/** Every sender sends, waits for the acknowledgement, sends again: throughput of stored messages. */
async function closedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const run = newRun(() => true);
  current = run;
  let inFlight = 0;
  let k = 0;
  const eluStart = performance.eventLoopUtilization();
  mark('window-start');
  const started = performance.now();
  const deadline = started + spec.durationMs;
  await Promise.all(
    spec.senders.map(async (sender) => {
      while (performance.now() < deadline) {
        const n = k++;
        run.measuredSends++;
        inFlight++;
        const t0 = performance.now();
        const error = await new Promise<string | undefined>((resolve) => send(sender, `${run.id}-${n}`, messageText(run.id, n, nowMs()), resolve));
        inFlight--;
        if (error) {
          run.sendErrors++;
          run.measuredFailed++;
          run.firstError ??= error;
          // A failing server must not turn this into a busy loop.
          await sleep(10);
        } else {
          run.acked++;
          run.ack.record(performance.now() - t0);
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  mark('window-end');
  await waitForDeliveries(run, spec.fanout, () => inFlight, spec.drainMs);
  current = null;
  return { ...result(run, spec.fanout, elapsed, elu, 0), measuredSends: run.measuredSends };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function handle(req: LoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connect(req.system, req.receivers, req.concurrency, req.timeoutMs);
    case 'settle':
      return settle(req.quietMs, req.maxMs);
    case 'open':
      dropped = 0;
      return { ...(await openLoop(req.spec)), dropped };
    case 'closed':
      dropped = 0;
      return { ...(await closedLoop(req.spec)), dropped };
    case 'disconnect':
      return disconnect();
  }
}

serveLoadRequests(handle);
