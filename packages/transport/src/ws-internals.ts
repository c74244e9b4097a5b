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
  readonly _receiver?: {
    /** 0 (GET_INFO) between frames; 5 while inflating a message. */
    readonly _state?: unknown;
    /** The opcode of a fragmented message still open, else 0. */
    readonly _fragmented?: unknown;
  };
  /** The negotiated extensions by name: permessage-deflate's object holds the zlib streams. */
  readonly _extensions?: Record<string, PerMessageDeflatePrivate | undefined>;
}

interface ZlibStream {
  close(): void;
}

interface PerMessageDeflatePrivate {
  /** The negotiated parameters (`client_no_context_takeover`, window bits…). */
  readonly params?: Record<string, unknown> | null;
  /** Made by `ws` on the first frame compressed or decompressed; `null` again after `cleanup()`. */
  _deflate?: ZlibStream | null;
  _inflate?: ZlibStream | null;
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

/** `ws`'s receiver state between frames. */
const RECEIVER_BETWEEN_FRAMES = 0;

/** The zlib streams permessage-deflate holds on `ws` now (null without the extension). */
export function compressionState(ws: WebSocket): { deflate: boolean; inflate: boolean; clientNoContextTakeover: boolean } | null {
  const extension = (ws as unknown as WsPrivate)._extensions?.['permessage-deflate'];
  if (!extension || !('_deflate' in extension) || !('_inflate' in extension)) return null;
  return {
    deflate: Boolean(extension._deflate),
    inflate: Boolean(extension._inflate),
    clientNoContextTakeover: extension.params?.client_no_context_takeover === true,
  };
}

/**
 * Closes the zlib streams of an idle connection's permessage-deflate (`ws` makes new ones on the
 * next frame, as it does for the first). Each holds its window and hash tables (tens of KiB).
 *
 * - The deflate stream, when no frame is being compressed or queued and no fragmented message
 *   is open (senderIdle). A fresh stream's output is valid whatever the peer's window holds: it
 *   only refers back to what it wrote itself, so this holds with context takeover too (the next
 *   frames just compress a little less until the window fills again).
 * - The inflate stream, only when the client may not refer to earlier messages
 *   (`client_no_context_takeover` negotiated) and nothing is being received.
 *
 * `deflate: false` leaves the deflate stream alone. Returns how many streams it closed.
 */
export function releaseCompression(ws: WebSocket, { deflate = true }: { deflate?: boolean } = {}): number {
  const internals = ws as unknown as WsPrivate;
  const extension = internals._extensions?.['permessage-deflate'];
  if (!extension) return 0;
  let released = 0;
  if (deflate && extension._deflate && senderIdle(ws)) {
    extension._deflate.close();
    extension._deflate = null;
    released++;
  }
  const receiver = internals._receiver;
  if (
    extension._inflate &&
    extension.params?.client_no_context_takeover === true &&
    receiver?._state === RECEIVER_BETWEEN_FRAMES &&
    receiver._fragmented === 0
  ) {
    extension._inflate.close();
    extension._inflate = null;
    released++;
  }
  return released;
}
