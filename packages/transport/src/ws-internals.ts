import type { WebSocket } from 'ws';

/**
 * The one place that reads `ws`'s private fields (ws 8.17+). ws-internals.test.ts checks their
 * shape on a real socket pair and fails when a `ws` release changes it; a `ws` without them
 * makes `senderIdle` false, so every frame takes `ws`'s ordinary path.
 */

interface WsPrivate {
  readonly _sender?: {
    /** 0 when it is not compressing a frame nor reading a blob; frames queue behind either. */
    readonly _state?: unknown;
    /** false while a fragmented message is open. */
    readonly _firstFragment?: unknown;
  };
}

/** `ws`'s sender state when it is neither compressing a frame nor reading a blob. */
const SENDER_IDLE = 0;

/**
 * Nothing is held in `ws`'s sender (no frame being compressed or queued behind one, no
 * fragmented message open): a frame written to the TCP socket now is the next on the wire, as
 * `ws` would have written it.
 */
export function senderIdle(ws: WebSocket): boolean {
  const sender = (ws as unknown as WsPrivate)._sender;
  return sender?._state === SENDER_IDLE && sender._firstFragment === true;
}

/** What senderIdle reads, as found on `ws` (for the shape test). */
export function senderFields(ws: WebSocket): { state: unknown; firstFragment: unknown } {
  const sender = (ws as unknown as WsPrivate)._sender;
  return { state: sender?._state, firstFragment: sender?._firstFragment };
}
