import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { markClose } from './close-reasons';
import { KEEP_ALIVE_PING, KeepAliveClock, type KeepAliveTiming } from './keep-alive';
import { SharedFrame } from './shared-frame';
import { holdUntilTurnEnds } from './write-coalescing';
import { senderIdle } from './ws-internals';

type SendOptions = { binary?: boolean; compress?: boolean; fin?: boolean; mask?: boolean };
type SendCallback = (error?: Error) => void;

/** Where DirectFrames writes a subscription's frames. */
export interface FrameSink {
  readonly open: boolean;
  write(frame: string | SharedFrame): void;
}

/**
 * The one writer of a WebSocket connection: every frame sent on it, by tRPC's adapter (whose
 * `send` calls it is given) or by DirectFrames, goes through `send`.
 *
 * - Writes made while one event-loop turn runs go out together at its end (write-coalescing.ts).
 * - A `SharedFrame` (a shared event's, see frame-encoder.ts) is sent as a text frame without
 *   compression. An event shared by many is written to every subscriber in one loop: `ws` would
 *   make a header for each socket and write header and payload as two buffers. When nothing can
 *   be ahead of it in `ws`'s sender (ws-internals.ts), the frame made once is written to the TCP
 *   socket as it is.
 * - `closeIfSlow` closes a socket whose reader fell too far behind.
 */
export class SocketWriter implements FrameSink {
  /** Bytes read and written on the TCP socket at the last idle check (idle-compression.ts). */
  private trafficAtLastCheck = -1;
  private readonly keepAlive = new KeepAliveClock(Date.now());
  private readonly wsSend: (data: unknown, options: SendOptions, callback?: SendCallback) => void;

  constructor(
    readonly ws: WebSocket,
    /** The connection's TCP socket (the upgrade request's). */
    private readonly tcp: Socket,
  ) {
    this.wsSend = ws.send.bind(ws) as typeof this.wsSend;
    // tRPC's adapter writes with the socket's own `send`: from now on that is this writer's
    // (bound, rather than an arrow function field: that would be a closure per connection).
    Object.defineProperty(ws, 'send', { value: this.send.bind(this), configurable: true, writable: true });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in `ws` and the TCP socket, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(frame: string | SharedFrame): void {
    this.send(frame);
  }

  /** `ws`'s `send`, taking SharedFrames as text frames sent uncompressed. */
  send(data: unknown, options?: SendOptions | SendCallback, callback?: SendCallback): void {
    if (typeof options === 'function') [options, callback] = [undefined, options];
    holdUntilTurnEnds(this.tcp);
    // The keep-alive (keep-alive.ts): 4 bytes that compression cannot shrink, and on an idle connection
    // whose zlib streams were released (idle-compression.ts) it would make a deflate stream anew.
    if (data === KEEP_ALIVE_PING) {
      this.wsSend(data, { ...options, compress: false }, callback);
      return;
    }
    if (data instanceof SharedFrame) {
      if (!callback && this.open && senderIdle(this.ws) && !this.tcp.destroyed) {
        this.tcp.write(data.wire);
        return;
      }
      this.wsSend(data.payload, { ...options, compress: false, binary: false }, callback);
      return;
    }
    this.wsSend(data, options ?? {}, callback);
  }

  /** True when no byte moved on the connection, either way, since the last call (idle-compression.ts). */
  quietSinceLastCheck(): boolean {
    const traffic = this.tcp.bytesRead + this.tcp.bytesWritten;
    const quiet = traffic === this.trafficAtLastCheck;
    this.trafficAtLastCheck = traffic;
    return quiet;
  }

  /** The keep-alive sweep's verdict on this connection (keep-alive.ts). */
  keepAliveCheck(now: number, timing: KeepAliveTiming): 'ping' | 'terminate' | null {
    return this.keepAlive.check(this.tcp.bytesRead, now, timing);
  }

  /**
   * Closes the socket if more than `maxBufferedBytes` wait to be sent: a reader slower than we
   * write would grow the heap without bound. Its client reconnects and resumes from its last
   * event id, so it loses nothing. True when it closed it.
   */
  closeIfSlow(maxBufferedBytes: number): boolean {
    if (this.ws.bufferedAmount <= maxBufferedBytes) return false;
    markClose(this.ws, 'slow_consumer');
    this.ws.close(TRY_AGAIN_LATER, 'slow consumer');
    setTimeout(() => this.ws.terminate(), 2000).unref();
    return true;
  }
}

/** 1013 "try again later": this socket fell too far behind; it reconnects and resumes. */
const TRY_AGAIN_LATER = 1013;
