// The rooms benchmark's members: thin `ws` clients speaking tRPC's WebSocket protocol through
// lib/trpc-wire.ts (connectionParams with the session token, one `rooms.events` subscription, one
// JSON.parse per frame), run in the load process (rooms/load.ts). Each room event goes to the listener the run
// sets (onRoomEvent); frames, event types and dropped sockets are counted here.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { TrpcWire } from '../lib/trpc-wire';
import { closeSockets } from '../lib/ws-close';
import type { RoomConnectResult, RoomConnectSpec, RoomReceiverSpec } from './protocol';

export interface Conn {
  spec: RoomReceiverSpec;
  ws: WebSocket;
  ready: boolean;
  /** Seq of the last room event this member received. */
  lastSeq: number;
}

export interface RoomEventFrame {
  type?: string;
  seq?: number;
  playback?: { positionSec?: number };
}

let conns: Conn[] = [];
let closing = false;
/** Frames, the time of the last one, room events by type, and members closed while connected. */
export const memberStats = { frames: 0, lastFrameAt: 0, kinds: new Map<string, number>(), dropped: 0 };

let onEvent: (conn: Conn, event: RoomEventFrame) => void = () => {};

/** Makes `listener` receive every room event a member gets. */
export function onRoomEvent(listener: (conn: Conn, event: RoomEventFrame) => void): void {
  onEvent = listener;
}

/** Members whose subscription is live on an open socket. */
export const readyMembers = () => conns.filter((conn) => conn.ready && conn.ws.readyState === WebSocket.OPEN).length;
/** Members whose socket is open. */
export const openMembers = () => conns.filter((conn) => conn.ws.readyState === WebSocket.OPEN).length;

function openConn(spec: RoomReceiverSpec, connect: RoomConnectSpec, snapshotSizes: number[]): Promise<void> {
  const ws = new WebSocket(connect.url, { perMessageDeflate: false });
  const conn: Conn = { spec, ws, ready: false, lastSeq: 0 };
  conns.push(conn);
  // Sends connectionParams and the subscription once the socket is open.
  const wire = new TrpcWire(ws, spec.token);
  /** Set by the first room.snapshot: the subscription is live. */
  let snapshot = false;
  wire.subscribe(
    'rooms.events',
    { roomId: connect.roomId },
    {
      data(data) {
        const event = data as RoomEventFrame | undefined;
        if (!event) return;
        const kind = event.type ?? '?';
        memberStats.kinds.set(kind, (memberStats.kinds.get(kind) ?? 0) + 1);
        onEvent(conn, event);
        if (kind === 'room.snapshot') snapshot = true;
      },
    },
  );
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`member ${spec.userId}: no room.snapshot within ${connect.timeoutMs} ms`)), connect.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      try {
        if (wire.receive(frame) === undefined) return;
      } catch (error) {
        if (!conn.ready) fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      memberStats.frames++;
      memberStats.lastFrameAt = performance.now();
      if (snapshot && !conn.ready) {
        conn.ready = true;
        snapshotSizes.push(frame.length);
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', (error) => {
      if (!conn.ready) fail(error);
    });
    ws.on('close', (code) => {
      if (!conn.ready) fail(new Error(`member ${spec.userId}: closed with ${code} before the snapshot`));
      else if (!closing) memberStats.dropped++;
    });
  });
}

/** Connects every member, `spec.concurrency` at a time, each until its room.snapshot. */
export async function connectMembers(spec: RoomConnectSpec): Promise<RoomConnectResult> {
  if (conns.length > 0) await closeMembers();
  closing = false;
  memberStats.dropped = 0;
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

/** Closes every member's socket; returns how many there were. */
export async function closeMembers(): Promise<number> {
  closing = true;
  const all = conns;
  conns = [];
  await closeSockets(all.map((conn) => conn.ws));
  return all.length;
}
