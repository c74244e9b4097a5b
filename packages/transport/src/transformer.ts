import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';
import { encodingOf, isSharedEvent, takeSent, type FrameBinder, type SharedEncoding, type SharedEvent } from './shared-event';
import { serialize } from './superjson-fast';

/**
 * A tracked item `{ id, data }` whose data is a shared event, as the transformer serializes it:
 * the event's cached text under this item's id. The frame encoder writes it around that text;
 * anything else that meets it gets superjson's own form through `toJSON`.
 */
export class SharedItem {
  constructor(
    readonly id: string,
    readonly encoding: SharedEncoding,
    /** Learns the subscription's id once the encoder knows it (DirectFrames). */
    readonly onFrame: FrameBinder | undefined,
  ) {}

  toJSON(): ReturnType<typeof superjson.serialize> {
    const json = { id: this.id, data: JSON.parse(this.encoding.jsonText) as unknown };
    const { metaText } = this.encoding;
    return metaText ? { json: json as never, meta: JSON.parse(metaText) as never } : { json: json as never };
  }
}

/** `{ id, data }` as tRPC wraps a tracked item, with a shared event as data. */
function sharedTracked(value: unknown): { id: string; data: SharedEvent } | null {
  if (value === null || typeof value !== 'object') return null;
  const { id, data } = value as { id?: unknown; data?: unknown };
  if (typeof id !== 'string' || !isSharedEvent(data) || Object.keys(value).length !== 2) return null;
  return { id, data };
}

/** Serializes a tracked item holding a shared event once per event, anything else as superjson does. */
export function serializeOutput(value: unknown): ReturnType<typeof superjson.serialize> | SharedItem {
  const tracked = sharedTracked(value);
  if (!tracked) return serialize(value);
  const encoding = encodingOf(tracked.data);
  // An event whose form cannot be shared (its root is not a plain object) goes the ordinary way.
  const out = encoding ? null : serialize(value);
  const binder = takeSent(tracked.data);
  return out ?? new SharedItem(tracked.id, encoding!, binder);
}

/**
 * superjson (through its plain-data fast path, superjson-fast), except that a shared event in a
 * tracked item is serialized only once for all its subscribers.
 */
export const chorusTransformer: CombinedDataTransformer = {
  input: superjson,
  output: {
    serialize: serializeOutput,
    deserialize: (value: unknown) => superjson.deserialize<unknown>(value as ReturnType<typeof superjson.serialize>),
  },
};
