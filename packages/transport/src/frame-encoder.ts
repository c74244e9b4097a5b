import type { Encoder } from '@trpc/server/adapters/ws';
import { SharedFrame } from './shared-frame';
import { encodingOf, isSharedEvent, type SharedEncoding } from './shared-event';
import { serializeOutput, SharedItem } from './transformer';

/**
 * How tRPC responses become WebSocket text frames: the same JSON as tRPC's own encoder, with
 * two differences a client cannot see.
 *
 * - **Constant parts first.** A data frame's keys are ordered so everything that repeats from
 *   frame to frame comes before what changes: `{"id":1,"result":{"type":"data","data":{"json":
 *   {"data":{"type":"delta","text":"…"},"id":"7"}},"id":"7"}}` rather than the event ids first.
 *   Per-message deflate with context takeover then finds the whole envelope up to the text as
 *   one repeat, which is most of what a streamed delta costs on the wire.
 * - **Shared events are written once.** A frame carrying a shared event (a `SharedItem` from
 *   the transformer) is made around the event's cached JSON text and, unless the event asked
 *   to be compressed, returned as a `SharedFrame`: sent uncompressed (per-message deflate of
 *   one frame per recipient costs a thread-pool round trip each, which for a room of 2,000 is
 *   most of the time to inform them all, while a shared event is mostly payload that deflate
 *   would shrink little).
 *
 * The contract test (contract.test.ts) runs tRPC's own adapter with this encoder and with
 * tRPC's, and compares every frame.
 */

const PLACEHOLDER = '\u0000frame-data\u0000';
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);
const ID_PLACEHOLDER = '\u0000frame-id\u0000';
const QUOTED_ID_PLACEHOLDER = JSON.stringify(ID_PLACEHOLDER);

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

/** A serialized item with its event before its id (see constantFirst). */
function trackedData(serialized: unknown): unknown {
  const tracked = trackedJson(serialized);
  return tracked ? { json: { data: tracked.data, id: tracked.id }, ...(tracked.meta !== undefined && { meta: tracked.meta }) } : serialized;
}

/** A shared event's serialized item, around its cached JSON text. */
function sharedData(id: string, encoding: SharedEncoding): string {
  return `{"json":{"data":${encoding.jsonText},"id":${JSON.stringify(id)}}${encoding.metaText ? `,"meta":${encoding.metaText}` : ''}}`;
}

/** A shared event's frame goes out uncompressed, unless the event asked to be compressed. */
function sharedFrame(encoding: SharedEncoding, text: string): string | SharedFrame {
  return encoding.compress ? text : new SharedFrame(text);
}

export const frameEncoder = {
  encode(message: unknown): string | SharedFrame {
    const result = (message as { result?: Result } | null)?.result;
    if (!result || typeof result !== 'object' || !('data' in result)) return JSON.stringify(message);
    const envelope = message as Record<string, unknown>;
    const item = result.data;
    if (item instanceof SharedItem) {
      item.onFrame?.(envelope.id as string | number, envelope.jsonrpc);
      const text = JSON.stringify(constantFirst(envelope, result, PLACEHOLDER));
      const at = text.indexOf(QUOTED_PLACEHOLDER);
      return sharedFrame(item.encoding, text.slice(0, at) + sharedData(item.id, item.encoding) + text.slice(at + QUOTED_PLACEHOLDER.length));
    }
    return JSON.stringify(constantFirst(envelope, result, trackedData(item)));
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== 'string') throw new Error('Frames are JSON text');
    return JSON.parse(data);
  },
} satisfies Encoder;

/** Makes the data frames of one subscription, as `frameEncoder` writes them (see trackedFrames). */
export type TrackedFrameMaker = (eventId: string, data: object) => string | SharedFrame;

/**
 * The data frames of one subscription, as `frameEncoder` writes them, from a template made once:
 * for writing a subscription's items without tRPC (see DirectFrames).
 *
 * A shared event's frame is made once per template and event id, and the same frame object goes
 * to every subscription with that template. An event has one id for all its recipients, and
 * clients number their subscriptions alike, so a group message is one frame for all its members.
 */
export function trackedFrames(subscriptionId: string | number, jsonrpc: unknown): TrackedFrameMaker {
  const result = { type: 'data', id: ID_PLACEHOLDER };
  const template = JSON.stringify(constantFirst({ id: subscriptionId, jsonrpc, result }, result, PLACEHOLDER));
  const dataAt = template.indexOf(QUOTED_PLACEHOLDER);
  const idAt = template.indexOf(QUOTED_ID_PLACEHOLDER);
  const head = template.slice(0, dataAt);
  const middle = template.slice(dataAt + QUOTED_PLACEHOLDER.length, idAt);
  const tail = template.slice(idAt + QUOTED_ID_PLACEHOLDER.length);
  return (eventId, data) => {
    const encoding = isSharedEvent(data) ? encodingOf(data) : null;
    if (encoding) {
      const last = encoding.frames.get(template);
      if (last?.eventId === eventId) return last.frame as string | SharedFrame;
      const frame = sharedFrame(encoding, head + sharedData(eventId, encoding) + middle + JSON.stringify(eventId) + tail);
      encoding.frames.set(template, { eventId, frame });
      return frame;
    }
    return head + JSON.stringify(trackedData(serializeOutput({ id: eventId, data }))) + middle + JSON.stringify(eventId) + tail;
  };
}
