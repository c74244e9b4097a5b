import type { EndSignal } from './end-signal';
import { trackedFrames, type TrackedFrameMaker } from './frame-encoder';
import { onFrame, type SharedEvent } from './shared-event';
import type { FrameSink } from './socket-writer';

/** A direct writer for a subscription on a WebSocket (none over other transports). */
export function directFramesFor(ctx: { socket?: FrameSink; sessionRevoked?: EndSignal }, signal: AbortSignal | undefined): DirectFrames | undefined {
  if (!ctx.socket) return undefined;
  return new DirectFrames(ctx.socket, [signal, ctx.sessionRevoked]);
}

/**
 * Writes a subscription's items straight to its socket, as the exact frames tRPC would send.
 *
 * A big room's change reaches thousands of subscribers at once. Taking each through its own
 * stream (a generator resumed per item, tRPC's iteration, the revocation wrapper) costs more
 * than writing the frame. So a stream that is waiting with nothing held hands live items to
 * this writer instead, and stays asleep; anything unusual (a gap, an item that ends the
 * stream, a closed subscription) still goes through the stream.
 *
 * The subscription's id is learnt from the first item the stream yields through tRPC
 * (`bindFirst`): the frame encoder tells it; nothing is written directly before that.
 */
export class DirectFrames {
  private frameOf: TrackedFrameMaker | null = null;
  private ended = false;

  constructor(
    private readonly socket: FrameSink,
    /** The subscription's and the session's: once either aborts, nothing more may be written. */
    private readonly endsWith: ReadonlyArray<EndSignal | undefined>,
  ) {
    // The writer is its own abort listener (handleEvent): no closure per subscription.
    for (const signal of endsWith) {
      if (signal?.aborted) this.ended = true;
      else signal?.addEventListener('abort', this, { once: true });
    }
  }

  /** Either signal aborted: nothing more is written. */
  handleEvent(): void {
    this.ended = true;
  }

  /** The stream has ended: nothing more is written, and the session's signal is let go. */
  close(): void {
    this.ended = true;
    for (const signal of this.endsWith) signal?.removeEventListener('abort', this);
  }

  /** Marks the stream's first item, whose frame tells this writer the subscription's id. */
  bindFirst<T extends object>(item: SharedEvent<T>): SharedEvent<T> {
    return onFrame(item, (id, jsonrpc) => {
      this.frameOf ??= trackedFrames(id, jsonrpc);
    });
  }

  /** Sends `data` as the tracked item `eventId`; false when it cannot (then the stream must). */
  write(eventId: string, data: object): boolean {
    if (this.ended || !this.frameOf || !this.socket.open) return false;
    this.socket.write(this.frameOf(eventId, data));
    return true;
  }
}
