// What the fanout benchmark's processes say to each other over IPC (fork), and the message
// text that carries a send timestamp from sender to receiver.
import type { ChorusCalls } from '../lib/env';
import type { Percentiles } from '../lib/stats';

/** Chorus (tRPC over WebSocket; sends on the socket or over HTTP) or one of the baselines in bench/baselines/. */
export type System = 'chorus' | 'ws' | 'socketio';

export interface ReceiverSpec {
  userId: number;
  /** WebSocket URL of the instance this receiver connects to. */
  url: string;
  /** Chorus session token (connectionParams); baselines identify the user in the URL. */
  token?: string;
}

export interface SenderSpec {
  userId: number;
  conversationId: number;
  /** Chorus over HTTP: http://host:port of the instance that takes this sender's chat.send. Baselines send on the user's receiver socket. */
  url?: string;
  token?: string;
  /** Chorus: chat.send as a tRPC mutation on the user's receiver socket (`calls: 'websocket'`), or over HTTP. */
  calls?: ChorusCalls;
}

export type { ChorusCalls };
export const CALLS_LABEL: Record<ChorusCalls, string> = { websocket: 'WebSocket', http: 'HTTP' };

export interface OpenLoopSpec {
  system: System;
  senders: SenderSpec[];
  /** Messages per second over all senders, spread evenly (round robin). */
  rate: number;
  warmupMs: number;
  windowMs: number;
  /** Sending goes on this long after the window, unmeasured, so the window's last messages meet the same load. */
  tailMs: number;
  /** After the last send, wait this long at most for the window's deliveries. */
  drainMs: number;
  /** Receivers of each message (members of its conversation, sender included). */
  fanout: number;
  /** Sends not yet acknowledged; past this a scheduled send is skipped (and the step fails). */
  maxInFlight: number;
}

export interface ClosedLoopSpec {
  system: System;
  /** Each sender sends, waits for its acknowledgement (message stored), sends again. */
  senders: SenderSpec[];
  durationMs: number;
  drainMs: number;
  fanout: number;
  /** Words to carry after the timestamp (message k carries texts[k % length]), so messages read like chat. */
  texts?: string[];
}

export interface LoadResult {
  /** Messages whose send counts (in the window for open loop; all for closed loop). */
  measuredSends: number;
  skipped: number;
  sendErrors: number;
  firstError?: string;
  expected: number;
  delivered: number;
  /** Deliveries of measured messages that came after the drain gave up, or never. */
  missing: number;
  elapsedMs: number;
  /** Measured sends acknowledged per second. */
  sendsPerSec: number;
  deliveriesPerSec: number;
  latency: Percentiles;
  ack: Percentiles;
  /** Event-loop utilisation of the load process over the window (1 = the load generator itself is saturated). */
  loadElu: number;
  /** How late the open-loop scheduler ran at worst (ms). */
  schedulerLagMs: number;
  /** Receiver sockets the server closed during the run. */
  dropped?: number;
}

export type LoadRequest =
  | { op: 'connect'; system: System; receivers: ReceiverSpec[]; concurrency: number; timeoutMs: number }
  | { op: 'settle'; quietMs: number; maxMs: number }
  | { op: 'open'; spec: OpenLoopSpec }
  | { op: 'closed'; spec: ClosedLoopSpec }
  | { op: 'disconnect' };

/** `b|<run>|<k>|<send time ms since epoch>[|<words>]`: the receiver's latency is its clock minus the fourth field. */
export const messageText = (run: string, k: number, sentAtMs: number, words?: string): string =>
  `b|${run}|${k}|${sentAtMs.toFixed(3)}${words ? `|${words}` : ''}`;

export function parseMessageText(text: unknown): { run: string; k: number; sentAtMs: number } | null {
  if (typeof text !== 'string' || !text.startsWith('b|')) return null;
  const [, run, k, sentAt] = text.split('|');
  if (!run || !k || !sentAt) return null;
  return { run, k: Number(k), sentAtMs: Number(sentAt) };
}
