import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';
import { serialize } from './superjson-fast';

/**
 * Events that reach many subscribers at once (a room's playback change, a group message) are
 * serialized once per instance instead of once per subscriber, and go out uncompressed.
 *
 * The hubs mark each event they parse with `shareEvent`; from then on it is never mutated. When a
 * subscription yields it, tRPC wraps it as `{ id, data }` and asks the transformer to serialize
 * that: `sharedTransformer` serializes the event once (superjson, then JSON text) and answers
 * each subscriber with the same parts under its own id, exactly what `superjson.serialize` would
 * give. The WebSocket encoder (frame-encoder.ts) then writes the frame around the cached JSON
 * text and sends it uncompressed: per-message deflate of one frame per recipient costs a
 * thread-pool round trip each, which for a room of 2,000 is most of the time to inform them all,
 * while a shared event is mostly payload that deflate would shrink little.
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
  /** Frames carrying it may be compressed (see shareCopy); otherwise they go out plain. */
  compress: boolean;
  /** Frames already made of it by trackedFrames (frame-encoder.ts), by subscription template. */
  frames?: Map<string, { eventId: string; frame: unknown }>;
}

/** Marked events; the encoding is computed by the first subscriber that sends one (null: not shareable). */
const sharedEvents = new WeakMap<object, SharedEncoding | null | undefined>();
/** The `{ json, meta }` objects the transformer made from a shared event, with what the encoder needs. */
const wrappedFrames = new WeakMap<object, { id: string; encoding: SharedEncoding }>();

/** Called with a subscription's id (and JSON-RPC marker) when an item marked by `bindOnSend` is sent on it. */
export type FrameBinder = (subscriptionId: string | number, jsonrpc: unknown) => void;
const bindersByItem = new WeakMap<object, FrameBinder>();
const bindersBySerialized = new WeakMap<object, FrameBinder>();

/**
 * Marks an item a subscription is about to yield: when tRPC sends it, `binder` learns the
 * subscription's id (see DirectFrames). Only the transformer and the encoder see that id.
 */
export function bindOnSend<T extends object>(item: T, binder: FrameBinder): T {
  bindersByItem.set(item, binder);
  return item;
}

/** The binder of an item `sharedTransformer` serialized, if it was marked. */
export function binderOf(serialized: unknown): FrameBinder | undefined {
  return serialized !== null && typeof serialized === 'object' ? bindersBySerialized.get(serialized) : undefined;
}

/** Marks an event that many subscribers will receive as shared. It must not change afterwards. */
export function shareEvent<T extends object>(event: T): T {
  if (!sharedEvents.has(event)) sharedEvents.set(event, undefined);
  return event;
}

/** Shared events parsed from superjson text, with that text's `{ json, meta }` (see parseSharedEvent). */
const parsedForms = new WeakMap<object, Serialized>();

/**
 * Parses superjson text (the body a hub receives) into a shared event. The text already is the
 * event's serialized form, so its frames reuse it instead of serializing the event again: about
 * 20 µs per event, once per instance.
 */
export function parseSharedEvent<T extends object>(text: string): T {
  const event = superjson.parse<T>(text);
  sharedEvents.set(event, undefined);
  // superjson.parse revives values in place, so the serialized form is parsed apart.
  parsedForms.set(event, JSON.parse(text) as Serialized);
  return event;
}

/** Shared events whose frames still go through per-message deflate (see shareCopy). */
const compressible = new WeakSet<object>();
/** Copies made by shareCopy, to the event they copy. */
const originals = new WeakMap<object, object>();

/**
 * A shallow copy of `event` that is serialized as the event is, once for the event and all its
 * copies: for a subscriber that needs an object of its own (see DirectFrames.bindFirst). With
 * `compress`, frames carrying it are compressed like any other, for big events that only a few
 * subscribers receive at a time (a room's snapshot), where the bytes matter more than deflate's
 * cost. The event must not change afterwards.
 */
export function shareCopy<T extends object>(event: T, options: { compress: boolean }): T {
  shareEvent(event);
  if (options.compress) compressible.add(event);
  const copy = { ...event };
  originals.set(copy, event);
  return shareEvent(copy);
}

/** Items emptied once serialized (see dropOnSend). */
const dropAfterSend = new WeakSet<object>();

/**
 * Marks a subscriber's own copy of a big event (a snapshot) to be emptied once tRPC has
 * serialized it. tRPC's WebSocket handler keeps the last item it sent referenced while it
 * waits for the next one, and a caught-up stream whose live events are written directly
 * (DirectFrames) may wait for ever: 2,000 members each holding their room snapshot would
 * be hundreds of megabytes. The item must be the subscriber's alone and sent exactly once.
 */
export function dropOnSend<T extends object>(item: T): T {
  dropAfterSend.add(item);
  return item;
}

/** Lets go of everything an item marked by dropOnSend refers to. */
function drop(item: object): void {
  dropAfterSend.delete(item);
  sharedEvents.delete(item);
  parsedForms.delete(item);
  originals.delete(item);
  for (const key of Object.keys(item)) delete (item as Record<string, unknown>)[key];
}

function underData<T, U>(byPath: Record<string, T>, move: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(byPath).map(([path, value]) => [`data.${path}`, move(value)]));
}

function encodingOf(event: object): SharedEncoding | null {
  const cached = sharedEvents.get(event);
  if (cached !== undefined) return cached;
  const original = originals.get(event);
  if (original) {
    const encoding = encodingOf(original);
    sharedEvents.set(event, encoding);
    return encoding;
  }
  const { json, meta } = parsedForms.get(event) ?? serialize(event);
  parsedForms.delete(event);
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
    encoding = { json, jsonText: JSON.stringify(json), meta: moved, metaText: moved ? JSON.stringify(moved) : undefined, compress: compressible.has(event) };
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

/** superjson (its plain-data fast path, superjson-fast), except that a shared event inside a tracked item is serialized only once. */
export const sharedTransformer: CombinedDataTransformer = {
  input: superjson,
  output: {
    serialize(value: unknown) {
      const shared = sharedTracked(value);
      let out: Serialized;
      if (shared) {
        const { id, encoding } = shared;
        out = encoding.meta ? { json: { id, data: encoding.json }, meta: encoding.meta } : { json: { id, data: encoding.json } };
        wrappedFrames.set(out, shared);
      } else {
        out = serialize(value);
      }
      const item = (value as { data?: unknown } | null)?.data;
      const binder = item !== null && typeof item === 'object' ? bindersByItem.get(item) : undefined;
      if (binder) bindersBySerialized.set(out, binder);
      if (item !== null && typeof item === 'object' && dropAfterSend.has(item)) drop(item);
      return out;
    },
    deserialize: (value: unknown) => superjson.deserialize(value as Serialized),
  },
};

/** What a shared event's serialized item is made of, if `serialized` is one (see sharedTransformer). */
export function sharedParts(serialized: unknown): SharedParts | null {
  if (serialized === null || typeof serialized !== 'object') return null;
  const wrapped = wrappedFrames.get(serialized);
  return wrapped ? partsOf(wrapped.id, wrapped.encoding) : null;
}

/**
 * What `sharedParts` would give for the item `{ id, data }` once serialized, without
 * serializing it: for writers that skip tRPC (DirectFrames). Null unless `data` is shared.
 */
export function sharedItemParts(id: string, data: object): SharedParts | null {
  if (!sharedEvents.has(data)) return null;
  const encoding = encodingOf(data);
  return encoding ? partsOf(id, encoding) : null;
}

/**
 * Where trackedFrames keeps the frames it made of a shared event: the same for the event and its
 * copies, dropped with them. Null unless `data` is shared.
 */
export function framesOfShared(data: object): Map<string, { eventId: string; frame: unknown }> | null {
  if (!sharedEvents.has(data)) return null;
  const encoding = encodingOf(data);
  if (!encoding) return null;
  return (encoding.frames ??= new Map());
}

export interface SharedParts {
  id: string;
  jsonText: string;
  metaText: string | undefined;
  compress: boolean;
}

function partsOf(id: string, encoding: SharedEncoding): SharedParts {
  return { id, jsonText: encoding.jsonText, metaText: encoding.metaText, compress: encoding.compress };
}
