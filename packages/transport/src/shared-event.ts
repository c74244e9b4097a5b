import superjson from 'superjson';
import { serialize, serializeUnder } from './superjson-fast';

/**
 * Events that reach many subscribers at once (a room's playback change, a group message) are
 * serialized once per instance instead of once per subscriber.
 *
 * A `SharedEvent<T>` is the event itself (its type is `T`'s, so a stream yielding it keeps its
 * client-facing type) carrying its share under a non-enumerable symbol key that superjson and
 * JSON never see. The transformer (transformer.ts) turns a tracked item holding one into a
 * `SharedItem`, and the frame encoder writes that around the cached JSON text. It must not
 * change once shared.
 */

type Serialized = ReturnType<typeof superjson.serialize>;
type Meta = NonNullable<Serialized['meta']>;

/** Told the subscription's id and JSON-RPC marker when tRPC sends an item (see DirectFrames). */
export type FrameBinder = (subscriptionId: string | number, jsonrpc: unknown) => void;

/** A frame made of a shared event for one subscription template (see trackedFrames). */
export interface MadeFrame {
  eventId: string;
  frame: string | Uint8Array<ArrayBuffer>;
}

/** An event's superjson form as JSON text, made once for every frame that carries it. */
export class SharedEncoding {
  /** Frames already made of it by DirectFrames, by subscription template. */
  readonly frames = new Map<string, MadeFrame>();

  constructor(
    /** The event's superjson `json` as JSON text. */
    readonly jsonText: string,
    /** The event's meta with its paths under `data.` (as inside `{ id, data }`), as JSON text. */
    readonly metaText: string | undefined,
    /** Frames carrying it go through per-message deflate like any other; otherwise they go out plain. */
    readonly compress: boolean,
  ) {}
}

const SHARE: unique symbol = Symbol('chorus.share');

interface Share {
  /** Made on first need; null when the event's form cannot be shared (a root that is not a plain object). */
  encoding: SharedEncoding | null | undefined;
  /** The superjson form a hub parsed the event from, until the encoding is made of it. */
  parsed: Serialized | undefined;
  /** The event a copy was made of (see sendOnce): the encoding is taken from it. */
  source: SharedEvent | undefined;
  compress: boolean;
  /** A subscription's own copy: emptied once its item is serialized. */
  once: boolean;
  sent: boolean;
  onFrame: FrameBinder | undefined;
}

/** An event serialized once for all its subscribers; see the file's comment. */
export type SharedEvent<T extends object = object> = T & { readonly [SHARE]: Share };

function attach<T extends object>(event: T, share: Partial<Share>): SharedEvent<T> {
  const full: Share = { encoding: undefined, parsed: undefined, source: undefined, compress: false, once: false, sent: false, onFrame: undefined, ...share };
  Object.defineProperty(event, SHARE, { value: full, enumerable: false, configurable: true });
  return event as SharedEvent<T>;
}

export function isSharedEvent(value: unknown): value is SharedEvent {
  return value !== null && typeof value === 'object' && SHARE in value;
}

/** Marks an event that many subscribers will receive as shared. It must not change afterwards. */
export function shareEvent<T extends object>(event: T, options: { compress?: boolean } = {}): SharedEvent<T> {
  return isSharedEvent(event) ? event : attach(event, { compress: options.compress ?? false });
}

/**
 * Parses superjson text (the body a hub receives) into a shared event. The text already is the
 * event's serialized form, so its frames reuse it instead of serializing the event again.
 */
export function parseSharedEvent<T extends object>(text: string): SharedEvent<T> {
  // superjson.parse revives values in place, so the serialized form is parsed apart.
  return attach(superjson.parse<T>(text), { parsed: JSON.parse(text) as Serialized });
}

/**
 * A subscription's own shallow copy of `event`, serialized as the event is (once for the event
 * and all its copies when the event is shared) and emptied once tRPC has serialized it: tRPC's
 * WebSocket handler may keep the last item it sent referenced while it waits for the next, and
 * a caught-up stream whose live events are written directly (DirectFrames) may wait for ever.
 * A room's snapshot held by each of 2,000 members would be hundreds of megabytes. A second
 * serialization of the copy throws instead of sending an empty event. With `compress`, its
 * frame is compressed like any other (a snapshot is big and reaches few at a time).
 */
export function sendOnce<T extends object>(event: T, options: { compress: boolean }): SharedEvent<T> {
  const source = isSharedEvent(event) ? event : undefined;
  return attach({ ...event }, { source, compress: options.compress, once: true });
}

/** Sets who learns the subscription's id when `event` is sent through tRPC (see DirectFrames). */
export function onFrame<T extends object>(event: SharedEvent<T>, binder: FrameBinder): SharedEvent<T> {
  event[SHARE].onFrame = binder;
  return event;
}

function underData<T, U>(byPath: Record<string, T>, move: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(byPath).map(([path, value]) => [`data.${path}`, move(value)]));
}

function encode(event: object, parsed: Serialized | undefined, compress: boolean): SharedEncoding | null {
  // Plain data (nearly every event) is walked with its paths under `data.` from the start.
  const direct = parsed ? null : serializeUnder(event, 'data');
  if (direct && direct.json !== null && typeof direct.json === 'object' && !Array.isArray(direct.json)) {
    return new SharedEncoding(JSON.stringify(direct.json), direct.meta ? JSON.stringify(direct.meta) : undefined, compress);
  }
  const { json, meta } = parsed ?? serialize(event);
  // A plain object's meta maps paths (relative to it) to annotations and to equal paths, so it
  // moves under `data.`; array forms (a root that is itself a Date, or referred to) do not.
  const { values, referentialEqualities } = meta ?? {};
  if (Array.isArray(values) || Array.isArray(referentialEqualities)) return null;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const moved: Meta | undefined = meta && {
    ...meta,
    ...(values && { values: underData(values, (annotation) => annotation) }),
    ...(referentialEqualities && { referentialEqualities: underData(referentialEqualities, (paths) => paths.map((path) => `data.${path}`)) }),
  };
  return new SharedEncoding(JSON.stringify(json), moved ? JSON.stringify(moved) : undefined, compress);
}

/** The event's shared encoding, made on first need; null when it cannot be shared. */
export function encodingOf(event: SharedEvent): SharedEncoding | null {
  const share = event[SHARE];
  if (share.sent) throw new Error('A once-only event was serialized a second time (see sendOnce)');
  if (share.encoding !== undefined) return share.encoding;
  if (share.source) {
    const source = encodingOf(share.source);
    share.encoding = source && (source.compress === share.compress ? source : new SharedEncoding(source.jsonText, source.metaText, share.compress));
  } else {
    share.encoding = encode(event, share.parsed, share.compress);
  }
  share.parsed = undefined;
  return share.encoding;
}

/**
 * Called once an item holding `event` is serialized: a once-only copy lets go of everything it
 * refers to, and what must tell a subscription's id is handed over.
 */
export function takeSent(event: SharedEvent): FrameBinder | undefined {
  const share = event[SHARE];
  const binder = share.onFrame;
  if (share.once) {
    share.sent = true;
    share.onFrame = undefined;
    share.source = undefined;
    share.encoding = undefined;
    for (const key of Object.keys(event)) delete (event as Record<string, unknown>)[key];
  }
  return binder;
}
