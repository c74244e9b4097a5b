// What the rooms benchmark and its load process (rooms/load.ts) say to each other over IPC.
// Replies and window marks have the shape of the fanout benchmark's (LoadMessage in
// lib/load-process.ts), so both use the same LoadProcess.
import type { ChorusCalls } from '../lib/env';

export interface RoomReceiverSpec {
  userId: number;
  /** Chorus session token, sent as connectionParams. */
  token: string;
}

export interface RoomConnectSpec {
  /** ws://host:port/trpc?connectionParams=1 */
  url: string;
  roomId: number;
  receivers: RoomReceiverSpec[];
  /** Sockets being opened at once. */
  concurrency: number;
  /** Per socket: open, subscribe and receive the room.snapshot within this. */
  timeoutMs: number;
}

export interface RoomConnectResult {
  connected: number;
  ms: number;
  /** Size of the room.snapshot frames (each member gets one listing every member). */
  snapshotBytes: { min: number; max: number; total: number };
}

export interface RoomRunSpec {
  /** http://host:port taking rooms.playback.control. */
  httpUrl: string;
  /** The owner's calls: on its own socket (as @chorus/client with calls: 'websocket'), or over HTTP. */
  calls: ChorusCalls;
  roomId: number;
  /** The owner's session token (Bearer): only the owner controls playback in the room. */
  ownerToken: string;
  /** Playback changes per second, sent open loop (on schedule, whatever the server does). */
  rate: number;
  /** Unmeasured changes first, then the measured window, then unmeasured changes of the same rate so the window's last ones meet the same load. */
  warmupMs: number;
  windowMs: number;
  tailMs: number;
  /** After the last change, wait this long at most for the window's deliveries. */
  drainMs: number;
  /**
   * Change k sets positionSec = positionBase + k (seek, pause, play in turn, each with its
   * position), so a member's room.playback event names the change it reports. Bigger than
   * any earlier run's positions.
   */
  positionBase: number;
  /** Changes not yet acknowledged; past this a scheduled change is skipped (and counted). */
  maxInFlight: number;
}

export interface RoomRunResult {
  rate: number;
  receivers: number;
  /** Changes scheduled in the window. */
  measuredChanges: number;
  skipped: number;
  controlErrors: number;
  firstError?: string;
  /** Measured window in ms (the span of the measured changes' schedule). */
  elapsedMs: number;
  /** room.playback events of measured changes that members received, and that they should have. */
  delivered: number;
  expected: number;
  /** Per measured change sent and not refused: ms from sending the call until the last member had the event (Infinity: someone never got it). */
  allInformedMs: number[];
  /** Per delivery of a measured change: ms from sending the call to that member parsing the event. */
  deliveryMs: Float64Array;
  /** Per measured change: ms from sending the call to its HTTP response. */
  ackMs: number[];
  /** Events a member received again or behind one it had (seq not above its last): should be 0. */
  duplicates: number;
  /** Events whose seq skipped ahead of the member's last one: should be 0 (every logged room event reaches every member). */
  gaps: number;
  /** room.playback events whose position matched no change of this run. */
  unmatched: number;
  /** Other event types seen during the run, e.g. `playback.drift ×3`. */
  otherKinds: string;
  /** Event-loop utilisation of the load process over the window (1 = the load generator itself is saturated). */
  loadElu: number;
  /** How late the open-loop scheduler ran at worst (ms). */
  schedulerLagMs: number;
  /** Receiver sockets the server closed during the run. */
  dropped: number;
}

export type RoomsLoadRequest =
  { op: 'connect'; spec: RoomConnectSpec } | { op: 'settle'; quietMs: number; maxMs: number } | { op: 'run'; spec: RoomRunSpec } | { op: 'disconnect' };
