// The fanout load process's receivers and senders: one socket per user, speaking the measured
// server's own protocol (fanout/frames.ts), and the sends that go out on those sockets (or, for
// Chorus with calls over HTTP, as HTTP mutations). fanout/load.ts runs the loops on top.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { framesOf, type FrameSink, type Protocol } from './frames';
import type { ReceiverSpec, SenderSpec, System } from './protocol';
import { HttpMutations } from '../lib/http-mutation';
import { closeSockets } from '../lib/ws-close';

interface Conn {
  spec: ReceiverSpec;
  userId: number;
  ws: WebSocket;
  protocol: Protocol;
  ready: boolean;
}

/** Called once with an error's text, or with none when the send was acknowledged. */
export type Done = (error?: string) => void;

const http = new HttpMutations(256);
let system: System | null = null;
let conns: Conn[] = [];
const byUser = new Map<number, Conn>();
let lastFrameAt = 0;
let frameCount = 0;
/** Chorus events by type since the last settle (what keeps a settle from getting quiet). */
const kinds = new Map<string, number>();
let dropped = 0;
let closing = false;
/** Baseline sends awaiting their acknowledgement (Chorus's await theirs in the socket's TrpcWire). */
const pendingAcks = new Map<number, { done: Done; conn: Conn }>();
let nextAck = 1;
/** Where the text of every delivered message goes (the load process's current run). */
let onText: (text: unknown) => void = () => {};

/** Makes `listener` receive the text of every message delivered to a receiver. */
export function listenToTexts(listener: (text: unknown) => void): void {
  onText = listener;
}

/** Receivers the server closed since the last call, and starts counting again. */
export function takeDropped(): number {
  const count = dropped;
  dropped = 0;
  return count;
}

/** Every frame but keep-alives: a settle waits until these stop. */
function countFrame(): void {
  frameCount++;
  lastFrameAt = performance.now();
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
  text: (text) => onText(text),
  ack: settleAck,
};

/** A socket that closed will never acknowledge what was sent on it. */
function failAcksOf(conn: Conn): void {
  for (const [id, pending] of pendingAcks) if (pending.conn === conn) settleAck(id, 'socket closed before the acknowledgement');
}

// ---- receivers: one socket per user, speaking the server's protocol ----

function openConn(target: System, spec: ReceiverSpec, timeoutMs: number): Promise<void> {
  const ws = new WebSocket(spec.url, { perMessageDeflate: false });
  const protocol = framesOf[target](ws, spec, sink);
  const conn: Conn = { spec, userId: spec.userId, ws, protocol, ready: false };
  conns.push(conn);
  byUser.set(spec.userId, conn);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${spec.userId}: not ready within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.on('message', (data: Buffer) => {
      let ready: boolean;
      try {
        ready = protocol.onFrame(data.toString());
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

export async function connect(target: System, receivers: ReceiverSpec[], concurrency: number, timeoutMs: number) {
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

export async function settle(quietMs: number, maxMs: number) {
  const reconnected = await heal(60_000);
  const started = performance.now();
  const framesBefore = frameCount;
  kinds.clear();
  while (performance.now() - started < maxMs && performance.now() - Math.max(lastFrameAt, started) < quietMs) await sleep(50);
  const byKind = [...kinds].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  return {
    ms: Math.round(performance.now() - started),
    frames: frameCount - framesBefore,
    quiet: performance.now() - lastFrameAt >= quietMs,
    kinds: byKind,
    reconnected,
  };
}

export async function disconnect() {
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

/** The sender's receiver socket, or undefined (and `done` told) when it has none open. */
function socketOf(sender: SenderSpec, done: Done): Conn | undefined {
  const conn = byUser.get(sender.userId);
  if (conn && conn.ws.readyState === WebSocket.OPEN) return conn;
  done(`no open socket for sender ${sender.userId}`);
  return undefined;
}

function sendOnSocket(frame: (ackId: number) => string, sender: SenderSpec, done: Done): void {
  const conn = socketOf(sender, done);
  if (!conn) return;
  const ackId = nextAck++;
  pendingAcks.set(ackId, { done, conn });
  conn.ws.send(frame(ackId));
}

export function send(sender: SenderSpec, clientId: string, text: string, done: Done): void {
  if (system === 'chorus' && sender.calls === 'websocket') {
    // What @chorus/client's wsLink sends for chat.send.mutate(...) with `calls: 'websocket'`.
    const input = { conversationId: sender.conversationId, clientId, kind: 'text', text };
    return socketOf(sender, done)?.protocol.wire!.mutation('chat.send', input, done);
  }
  if (system === 'chorus') return sendChorus(sender, clientId, text, done);
  const body = { c: sender.conversationId, k: clientId, t: text };
  if (system === 'ws') return sendOnSocket((a) => JSON.stringify({ a, ...body }), sender, done);
  if (system === 'socketio') return sendOnSocket((a) => `42${a}${JSON.stringify(['send', body])}`, sender, done);
  done('not connected');
}
