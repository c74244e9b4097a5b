// What the storm benchmark (index.ts) and its load process (load.ts) say to each other.

export type StormSystem = 'chorus' | 'socketio';

/** One subscribed client: its user, the one conversation it is a member of, and the instance it starts on. */
export interface ClientSpec {
  userId: number;
  token: string;
  conversationId: number;
  /** Index into `urls`: the instance this client connects to first. */
  home: number;
}

export interface SenderSpec {
  token: string;
  userId: number;
  conversationId: number;
}

export type StormRequest =
  | { op: 'connect'; system: StormSystem; urls: string[]; clients: ClientSpec[] }
  /** Open-loop sends, round robin over the senders' conversations, to `url` (an instance that stays up). */
  | { op: 'send'; url: string; senders: SenderSpec[]; ratePerS: number }
  /** SIGKILLs `pid` (the instance at `urls[dead]`) and notes the moment. */
  | { op: 'kill'; pid: number; dead: number }
  | { op: 'status' }
  /** Stops sending, waits up to `settleMs` for every message to arrive, and counts. */
  | { op: 'finish'; settleMs: number }
  | { op: 'close' };

export interface ConnectResult {
  ms: number;
  failed: number;
}

export interface StormStatus {
  /** Clients dropped by the kill. */
  dropped: number;
  /** Of them, caught up again. */
  caughtUp: number;
  sent: number;
}

export interface StormResult {
  clients: number;
  dropped: number;
  caughtUp: number;
  /** Per dropped client: the kill → caught up, in ms (missing ones never caught up). */
  caughtUpMs: number[];
  /** The parts of it, per dropped client: kill → socket closed, → the survivor dialled (after the reconnect delay), → resumption sent (socket open, reconnected), → its stream's catch-up done. */
  droppedMs: number[];
  dialledMs: number[];
  resumingMs: number[];
  resumedMs: number[];
  sent: number;
  sendFailed: number;
  /** Messages a client should have received but never did, summed over clients. */
  lost: number;
  duplicated: number;
  resyncs: number;
  /** Socket.IO: reconnections whose session the server restored (socket.recovered). */
  recovered: number;
  /** Reconnect attempts that did not open (refused, failed). */
  failedAttempts: number;
  /** Closes carrying a retry hint (1012/1013) and the hints' mean. */
  hinted: number;
  meanHintMs: number;
  /** Clients whose resumption went past an overloaded instance's answer at least once. */
  overloaded: number;
}
