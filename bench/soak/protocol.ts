// What the soak benchmark (index.ts) and its load process (load.ts) say to each other.
import type { ChorusCalls } from '../lib/env';

/** One member with a socket: its user, its one group conversation, whether it takes turns sending. */
export interface MemberSpec {
  userId: number;
  token: string;
  conversationId: number;
  sender: boolean;
}

export type SoakRequest =
  /** Opens every member's socket with one events.subscribe (the away member's too). */
  | { op: 'connect'; url: string; members: MemberSpec[]; awayUserId: number }
  /** Open-loop sends, `ratePerS` in all, round robin over the groups, each by the group's senders in turn. */
  | { op: 'send'; url: string; ratePerS: number; calls: ChorusCalls }
  /** The away member waits for a message of its group, then closes its socket: returns where it left. */
  | { op: 'leave' }
  | { op: 'status' }
  /** Stops sending, waits up to `settleMs` for the answers and deliveries, and counts. */
  | { op: 'finish'; settleMs: number }
  /** The away member resumes from `lastEventId` and reads until the stream's catch-up is over. */
  | { op: 'replay'; url: string; lastEventId: string; timeoutMs: number }
  | { op: 'close' };

export interface ConnectResult {
  ms: number;
  /** Members without their first event (the presence snapshot) within 30 s. */
  failed: number;
}

export interface LeaveResult {
  lastEventId: string;
  /** Messages of its group it had received when it left. */
  received: number;
}

export interface SoakStatus {
  sent: number;
  failed: number;
  inFlight: number;
}

export interface FinishResult extends SoakStatus {
  /** Connected members (the away one excepted) and what they got: owed messages never received, received twice, out of seq order. */
  members: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  resyncs: number;
  /** Members whose socket closed before the end. */
  dropped: number;
  /** A few sends' error texts, for the notes. */
  errors: string[];
}

export interface ReplayResult {
  /** Messages of its group sent (and stored) after it left: what the replay owes. */
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  resyncs: number;
  resyncReasons: string[];
  /** From the subscription's request to the end of its catch-up (the snapshot after the missed events); null if it never ended. */
  caughtUpMs: number | null;
  error: string | null;
}
