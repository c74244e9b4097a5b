import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';

/**
 * Events that reach many subscribers at once (a room's playback change, a group message) are
 * serialized once per instance instead of once per subscriber, and go out uncompressed.
 *
 * The hubs mark each event they parse with `shareEvent`; from then on it is never mutated. When a
 * subscription yields it, tRPC wraps it as `{ id, data }` and asks the transformer to serialize
 * that: `sharedTransformer` serializes the event once (superjson, then JSON text) and answers
 * each subscriber with the same parts under its own id, exactly what `superjson.serialize` would
 * give. The WebSocket encoder (`sharedFrameEncoder`) then writes the frame around the cached
 * JSON text, and hands the socket an `UncompressedFrame`: per-message deflate of one frame per
 * recipient costs a thread-pool round trip each, which for a room of 2,000 is most of the time to
 * inform them all, while a shared event is mostly payload that deflate would shrink little.
 */

type Serialized = ReturnType<typeof superjson.serialize>;
type Meta = NonNullable<Serialized['meta']>;

interface SharedEncoding {
  json: Serialized['json'];
  /** The event's superjson `json` as JSON text. */
  jsonText: string;
  /** The event's meta, its paths under `data.` as inside `{ id, data }`; undefined when none. */
  meta: Meta | undefined;
  metaText: string | undefined;
}

/** Marked events; the encoding is computed by the first subscriber that sends one (null: not shareable). */
const sharedEvents = new WeakMap<object, SharedEncoding | null | undefined>();
/** The `{ json, meta }` objects the transformer made from a shared event, with what the encoder needs. */
const wrappedFrames = new WeakMap<object, { id: string; encoding: SharedEncoding }>();

/** Marks an event that many subscribers will receive as shared. It must not change afterwards. */
export function shareEvent<T extends object>(event: T): T {
  if (!sharedEvents.has(event)) sharedEvents.set(event, undefined);
  return event;
}

function underData<T, U>(byPath: Record<string, T>, move: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(byPath).map(([path, value]) => [`data.${path}`, move(value)]));
}

function encodingOf(event: object): SharedEncoding | null {
  const cached = sharedEvents.get(event);
  if (cached !== undefined) return cached;
  const { json, meta } = superjson.serialize(event);
  let encoding: SharedEncoding | null = null;
  // A plain object's meta maps paths (relative to it) to annotations and to equal paths, so it
  // moves under `data.`; array forms (a root that is itself a Date, or referred to) do not.
  const { values, referentialEqualities } = meta ?? {};
  const movable = !Array.isArray(values) && !Array.isArray(referentialEqualities);
  if (movable && json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const moved: Meta | undefined = meta && {
      ...meta,
      ...(values && { values: underData(values, (annotation) => annotation) }),
      ...(referentialEqualities && { referentialEqualities: underData(referentialEqualities, (paths) => paths.map((path) => `data.${path}`)) }),
    };
    encoding = { json, jsonText: JSON.stringify(json), meta: moved, metaText: moved ? JSON.stringify(moved) : undefined };
  }
  sharedEvents.set(event, encoding);
  return encoding;
}

/** `{ id, data }` as tRPC wraps a tracked item, with a shared event as data. */
function sharedTracked(value: unknown): { id: string; encoding: SharedEncoding } | null {
  if (value === null || typeof value !== 'object') return null;
  const { id, data } = value as { id?: unknown; data?: unknown };
  if (typeof id !== 'string' || data === null || typeof data !== 'object' || !sharedEvents.has(data)) return null;
  if (Object.keys(value).length !== 2) return null;
  const encoding = encodingOf(data);
  return encoding ? { id, encoding } : null;
}

/** superjson, except that a shared event inside a tracked item is serialized only once. */
export const sharedTransformer: CombinedDataTransformer = {
  input: superjson,
  output: {
    serialize(value: unknown) {
      const shared = sharedTracked(value);
      if (!shared) return superjson.serialize(value);
      const { id, encoding } = shared;
      const out: Serialized = encoding.meta ? { json: { id, data: encoding.json }, meta: encoding.meta } : { json: { id, data: encoding.json } };
      wrappedFrames.set(out, shared);
      return out;
    },
    deserialize: (value: unknown) => superjson.deserialize(value as Serialized),
  },
};

/** A text frame to send without per-message compression. */
export class UncompressedFrame {
  constructor(readonly text: string) {}
}

const PLACEHOLDER = '\u0000shared-frame\u0000';
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);

/**
 * tRPC's JSON encoding for WebSocket frames, writing a shared event's cached JSON text into its
 * frame instead of stringifying it again. Pass what it returns to a socket through `sendFrame`.
 */
export const sharedFrameEncoder = {
  encode(message: unknown): string | UncompressedFrame {
    const result = (message as { result?: { data?: unknown } } | null)?.result;
    const data = result?.data;
    const wrapped = data !== null && typeof data === 'object' ? wrappedFrames.get(data) : undefined;
    if (!wrapped) return JSON.stringify(message);
    const { id, encoding } = wrapped;
    const envelope = JSON.stringify({ ...(message as object), result: { ...result, data: PLACEHOLDER } });
    const at = envelope.indexOf(QUOTED_PLACEHOLDER);
    const body = `{"json":{"id":${JSON.stringify(id)},"data":${encoding.jsonText}}${encoding.metaText ? `,"meta":${encoding.metaText}` : ''}}`;
    return new UncompressedFrame(envelope.slice(0, at) + body + envelope.slice(at + QUOTED_PLACEHOLDER.length));
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== 'string') throw new Error('Frames are JSON text');
    return JSON.parse(data);
  },
};

interface FrameSocket {
  send(data: unknown, options: { compress?: boolean; binary?: boolean }, callback?: (error?: Error) => void): void;
}

/**
 * Lets a `ws` socket take what `sharedFrameEncoder` returns: an `UncompressedFrame` goes out as a
 * text frame without compression, anything else as before.
 */
export function acceptSharedFrames(socket: FrameSocket): void {
  const send = socket.send.bind(socket);
  socket.send = (data: unknown, options?: unknown, callback?: unknown) => {
    if (typeof options === 'function') [options, callback] = [{}, options];
    const cb = callback as ((error?: Error) => void) | undefined;
    if (data instanceof UncompressedFrame) return send(data.text, { ...(options as object), compress: false, binary: false }, cb);
    return send(data, (options as object | undefined) ?? {}, cb);
  };
}
