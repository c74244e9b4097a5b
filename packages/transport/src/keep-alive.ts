/**
 * tRPC's WebSocket keep-alive, kept by one sweep over all sockets instead of timers per socket.
 *
 * tRPC's own (`keepAlive` of its adapter) sends the text message `PING` after `pingMs` without a
 * message from the client and terminates the socket when nothing comes within `pongWaitMs`; it
 * does so with a timer per socket, made anew on every message, and closures around them: about
 * half a kilobyte on every idle connection. Here each connection holds three numbers (a
 * KeepAliveClock) and one interval serves them all. It reads liveness from the bytes the TCP
 * socket has read: anything the client sent (its `PONG`, a call, a control frame) counts.
 *
 * The sweep runs every `pongWaitMs / 4` at most, so a PING goes out between `pingMs` and
 * `pingMs + tick` after the last byte heard, and a silent peer is cut off between `pongWaitMs`
 * and `pongWaitMs + tick` after its PING.
 */
export interface KeepAliveTiming {
  pingMs: number;
  pongWaitMs: number;
}

/** What tRPC's keep-alive sends on a quiet connection; its clients answer `PONG`. */
export const KEEP_ALIVE_PING = 'PING';

/** How often the sweep runs for these timings. */
export function keepAliveTickMs({ pingMs, pongWaitMs }: KeepAliveTiming): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(pingMs, pongWaitMs) / 4)));
}

/** One connection's keep-alive: when the client was last heard, and when it was last pinged. */
export class KeepAliveClock {
  private bytesReadAtCheck = -1;
  private heardAt: number;
  /** When the unanswered PING went out; null when none is out. */
  private pingedAt: number | null = null;

  constructor(now: number) {
    this.heardAt = now;
  }

  /**
   * What the sweep must do with the connection now: `ping` it (send PING), `terminate` it (its
   * PING went unanswered), or nothing. `bytesRead` is the TCP socket's count so far.
   */
  check(bytesRead: number, now: number, { pingMs, pongWaitMs }: KeepAliveTiming): 'ping' | 'terminate' | null {
    if (bytesRead !== this.bytesReadAtCheck) {
      this.bytesReadAtCheck = bytesRead;
      this.heardAt = now;
      this.pingedAt = null;
    }
    if (this.pingedAt !== null) return now - this.pingedAt >= pongWaitMs ? 'terminate' : null;
    if (now - this.heardAt < pingMs) return null;
    this.pingedAt = now;
    return 'ping';
  }
}
