// What the idle benchmark says to its two forked processes: the server holding the sockets
// (server.ts: a Chorus instance or the plain `ws` baseline) and the load process opening them
// (load.ts).

/** The system whose sockets are held: Chorus, or a plain `ws` server doing nothing with them. */
export type IdleSystem = 'chorus' | 'ws';

/** The server process's memory after memory-reducing GCs, the median of three readings: bytes, as `process.memoryUsage()` has them. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** V8's new space as committed (part of rss; a memory-reducing GC shrinks it to its minimum). */
  youngGen: number;
  /** Sockets the server holds open when sampled. */
  sockets: number;
  /** How long the server took to become quiet (under 5 % of a core for a second) before the readings. */
  quietMs: number;
}

export interface ServerStart {
  system: IdleSystem;
  /** Offer permessage-deflate. */
  compression: boolean;
  /** The stack's database and Redis (Chorus). */
  databaseUrl: string;
  redisUrl: string;
}

/** `start` answers with the server's http://127.0.0.1:PORT. */
export type ServerRequest = ({ op: 'start' } & ServerStart) | { op: 'memory' } | { op: 'snapshot'; file: string };

export interface OpenSpec {
  /** http://127.0.0.1:PORT of the server. */
  url: string;
  system: IdleSystem;
  /** Session tokens, one socket each (Chorus); the baseline takes the count alone. */
  tokens: string[];
  /** Offer permessage-deflate as browsers do, and compress every frame sent, as they do. */
  deflate: boolean;
  /** Sockets opening at once. */
  concurrency: number;
  timeoutMs: number;
}

export interface OpenResult {
  opened: number;
  ms: number;
  /** Sockets on which permessage-deflate was negotiated. */
  deflated: number;
}

export type LoadRequest = ({ op: 'open' } & OpenSpec) | { op: 'close' } | { op: 'ping' };
