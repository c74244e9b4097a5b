import { binderOf, framesOfShared, sharedItemParts, sharedParts, sharedTransformer, type SharedParts } from './shared-frames';

/**
 * How tRPC responses become WebSocket text frames: the same JSON as tRPC's own encoder, with
 * two differences a client cannot see.
 *
 * - **Constant parts first.** A data frame's keys are ordered so everything that repeats from
 *   frame to frame comes before what changes: `{"id":1,"result":{"type":"data","data":{"json":
 *   {"data":{"type":"delta","text":"…"},"id":"7"}},"id":"7"}}` rather than the event ids first.
 *   Per-message deflate with context takeover then finds the whole envelope up to the text as
 *   one repeat, which is most of what a streamed delta costs on the wire.
 * - **Shared events are written once.** A frame carrying an event many subscribers share (see
 *   shared-frames.ts) reuses the event's cached JSON text and goes out uncompressed.
 */

/** A text frame to send without per-message compression. */
export class UncompressedFrame {
  private framed: Buffer | undefined;
  private payload: Buffer | undefined;

  constructor(readonly text: string) {}

  /** The whole WebSocket frame as a server sends it (final, text, unmasked), made once however many sockets it goes to. */
  get wire(): Buffer {
    return (this.framed ??= serverTextFrame(this.text));
  }

  /** The text as UTF-8: the frame's payload, for sockets that frame it themselves. */
  get bytes(): Buffer {
    return (this.payload ??= this.wire.subarray(this.wire.length - Buffer.byteLength(this.text)));
  }
}

function serverTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}

const PLACEHOLDER = '\u0000frame-data\u0000';
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);

interface Result {
  id?: unknown;
  data?: unknown;
  [key: string]: unknown;
}

/** `{ json: { id, data } }` as superjson serializes a tracked item. */
function trackedJson(serialized: unknown): { id: unknown; data: unknown; meta: unknown } | null {
  if (serialized === null || typeof serialized !== 'object') return null;
  const { json, meta } = serialized as { json?: unknown; meta?: unknown };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const keys = Object.keys(json);
  if (keys.length !== 2 || !('id' in json) || !('data' in json)) return null;
  return { id: (json as { id: unknown }).id, data: (json as { data: unknown }).data, meta };
}

/** The message with its result's data (a placeholder or the value) before the ids. */
function constantFirst(message: Record<string, unknown>, result: Result, data: unknown): Record<string, unknown> {
  const { id, data: _data, ...rest } = result;
  return { ...message, result: id === undefined ? { ...rest, data } : { ...rest, data, id } };
}

/** A shared event's serialized item, around its cached JSON text. */
function sharedData(shared: SharedParts): string {
  return `{"json":{"data":${shared.jsonText},"id":${JSON.stringify(shared.id)}}${shared.metaText ? `,"meta":${shared.metaText}` : ''}}`;
}

/** A shared event's frame goes out uncompressed, unless the event asked to be compressed. */
function sharedFrame(shared: { compress: boolean }, text: string): string | UncompressedFrame {
  return shared.compress ? text : new UncompressedFrame(text);
}

/** A serialized item with its event before its id (see constantFirst). */
function trackedData(serialized: unknown): unknown {
  const tracked = trackedJson(serialized);
  return tracked ? { json: { data: tracked.data, id: tracked.id }, ...(tracked.meta !== undefined && { meta: tracked.meta }) } : serialized;
}

const ID_PLACEHOLDER = '\u0000frame-id\u0000';

/**
 * The data frames of one subscription, as `encode` writes them, from a template made once: for
 * writing a subscription's items without tRPC (see DirectFrames).
 *
 * A shared event's frame is made once per template and event id, and the same frame object goes
 * to every subscription with that template. An event has one id for all its recipients, and
 * clients number their subscriptions alike, so a group message is one frame for all its members.
 */
export function trackedFrames(subscriptionId: string | number, jsonrpc: unknown): (eventId: string, data: object) => string | UncompressedFrame {
  const result = { type: 'data', id: ID_PLACEHOLDER };
  const template = JSON.stringify(constantFirst({ id: subscriptionId, jsonrpc, result }, result, PLACEHOLDER));
  const dataAt = template.indexOf(QUOTED_PLACEHOLDER);
  const idAt = template.indexOf(JSON.stringify(ID_PLACEHOLDER));
  const head = template.slice(0, dataAt);
  const middle = template.slice(dataAt + QUOTED_PLACEHOLDER.length, idAt);
  const tail = template.slice(idAt + JSON.stringify(ID_PLACEHOLDER).length);
  return (eventId, data) => {
    const made = framesOfShared(data);
    if (made) {
      const last = made.get(template);
      if (last?.eventId === eventId) return last.frame as string | UncompressedFrame;
      // A shared event's cached text, without the per-item bookkeeping tRPC's path needs.
      const shared = sharedItemParts(eventId, data)!;
      const frame = sharedFrame(shared, head + sharedData(shared) + middle + JSON.stringify(eventId) + tail);
      made.set(template, { eventId, frame });
      return frame;
    }
    const serialized = sharedTransformer.output.serialize({ id: eventId, data });
    return head + JSON.stringify(trackedData(serialized)) + middle + JSON.stringify(eventId) + tail;
  };
}

export const frameEncoder = {
  encode(message: unknown): string | UncompressedFrame {
    const result = (message as { result?: Result } | null)?.result;
    if (!result || typeof result !== 'object' || !('data' in result)) return JSON.stringify(message);
    const envelope = message as Record<string, unknown>;
    binderOf(result.data)?.(envelope.id as string | number, envelope.jsonrpc);
    const shared = sharedParts(result.data);
    if (shared) {
      const text = JSON.stringify(constantFirst(envelope, result, PLACEHOLDER));
      const at = text.indexOf(QUOTED_PLACEHOLDER);
      return sharedFrame(shared, text.slice(0, at) + sharedData(shared) + text.slice(at + QUOTED_PLACEHOLDER.length));
    }
    return JSON.stringify(constantFirst(envelope, result, trackedData(result.data)));
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== 'string') throw new Error('Frames are JSON text');
    return JSON.parse(data);
  },
};

interface FrameSocket {
  send(data: unknown, options: { compress?: boolean; binary?: boolean }, callback?: (error?: Error) => void): void;
  readonly readyState?: number;
  /** `ws`'s own fields, read to know when a frame may skip its sender (see writesDirectly). */
  readonly _sender?: { readonly _state?: unknown; readonly _firstFragment?: unknown };
  readonly _socket?: { write(data: Buffer): boolean; readonly destroyed?: boolean };
}

/**
 * Lets a `ws` socket take what `frameEncoder` returns: an `UncompressedFrame` goes out as a text
 * frame without compression, anything else as before.
 *
 * An uncompressed frame is a shared event's, written to every subscriber in one loop: `ws` would
 * make a header for each socket and write header and payload as two buffers. When nothing can be
 * ahead of it in `ws`'s sender, the frame made once (`wire`) is written to the TCP socket as it
 * is. Writing a 575-byte frame to 1,000 sockets, this took the user-space CPU per socket from
 * 6–8 µs to 3–4 µs (the write system call, 10–13 µs on the benchmark VM, is the rest).
 */
export function acceptUncompressedFrames(socket: FrameSocket): void {
  const send = socket.send.bind(socket);
  (socket as { send: FrameSocket['send'] }).send = (data: unknown, options?: unknown, callback?: unknown) => {
    if (typeof options === 'function') [options, callback] = [{}, options];
    const cb = callback as ((error?: Error) => void) | undefined;
    if (data instanceof UncompressedFrame) {
      if (!cb && writesDirectly(socket)) {
        socket._socket!.write(data.wire);
        return;
      }
      return send(data.bytes, { ...(options as object), compress: false, binary: false }, cb);
    }
    return send(data, (options as object | undefined) ?? {}, cb);
  };
}

const OPEN = 1;
/** `ws`'s sender state when it is not compressing a frame or reading a blob (ws 8.17+). */
const SENDER_IDLE = 0;

/**
 * The socket is open and `ws`'s sender holds nothing (no frame being compressed or queued
 * behind one, no fragmented message open), so a frame written now is the next on the wire, as
 * `ws` would have written it. A `ws` without these fields takes its ordinary path.
 */
function writesDirectly(socket: FrameSocket): boolean {
  const sender = socket._sender;
  const tcp = socket._socket;
  return socket.readyState === OPEN && sender?._state === SENDER_IDLE && sender._firstFragment === true && tcp !== undefined && !tcp.destroyed;
}
