import superjson from 'superjson';
import { describe, expect, it, vi } from 'vitest';
import { frameEncoder } from './frame-encoder';
import { sampleEvents } from './sample-events.fixture';
import { SharedFrame } from './shared-frame';
import { isSharedEvent, parseSharedEvent, sendOnce, shareEvent } from './shared-event';
import { chorusTransformer, SharedItem } from './transformer';

const serialize = (value: unknown) => chorusTransformer.output.serialize(value) as ReturnType<typeof superjson.serialize> | SharedItem;
/** What a client decodes from the serialized item, whichever form it took. */
const decoded = (serialized: unknown) => superjson.deserialize(JSON.parse(JSON.stringify(serialized)) as ReturnType<typeof superjson.serialize>);
const frameOf = (id: number, eventId: string, data: object) =>
  frameEncoder.encode({ id, result: { type: 'data', id: eventId, data: serialize({ id: eventId, data }) } });

describe('shared events through the transformer', () => {
  for (const [name, make] of Object.entries(sampleEvents)) {
    it(`serializes a shared event (${name}) to what superjson gives, whatever the id`, () => {
      const event = shareEvent(make());
      for (const id of ['1', '2', '99']) {
        const serialized = serialize({ id, data: event });
        expect(serialized).toBeInstanceOf(SharedItem);
        expect(JSON.parse(JSON.stringify(serialized))).toEqual(JSON.parse(JSON.stringify(superjson.serialize({ id, data: make() }))));
        expect(decoded(serialized)).toEqual({ id, data: make() });
      }
    });
  }

  for (const [name, make] of Object.entries(sampleEvents)) {
    it(`reuses the text a shared event (${name}) was parsed from instead of serializing it again`, () => {
      const event = parseSharedEvent<object>(superjson.stringify(make()));
      expect(event).toEqual(make());
      expect(isSharedEvent(event)).toBe(true);
      const serializeSpy = vi.spyOn(superjson, 'serialize');
      try {
        const serialized = serialize({ id: '6', data: event }) as SharedItem;
        expect(serializeSpy).not.toHaveBeenCalled();
        expect(serialized.encoding.jsonText).toBe(JSON.stringify(superjson.serialize(make()).json));
        expect(decoded(serialized)).toEqual({ id: '6', data: make() });
      } finally {
        serializeSpy.mockRestore();
      }
    });
  }

  it('keeps the share out of superjson, JSON and spreads', () => {
    const event = shareEvent({ type: 'x', at: new Date(1) });
    expect(Object.keys(event)).toEqual(['type', 'at']);
    expect(superjson.serialize(event)).toEqual(superjson.serialize({ type: 'x', at: new Date(1) }));
    expect(isSharedEvent({ ...event })).toBe(false);
  });

  it('empties a once-only copy when it is serialized, leaving the shared event intact, and refuses a second serialization', () => {
    const event = shareEvent(sampleEvents['dates, nested and in arrays']!());
    const copies = ['1', '2'].map((id) => ({ id, copy: sendOnce(event, { compress: true }) }));
    for (const { id, copy } of copies) {
      const serialized = serialize({ id, data: copy }) as SharedItem;
      expect(decoded(serialized)).toEqual({ id, data: sampleEvents['dates, nested and in arrays']!() });
      expect(serialized.encoding.compress).toBe(true);
      expect(copy).toEqual({});
      expect(() => serialize({ id, data: copy })).toThrow(/second time/);
    }
    expect(event).toEqual(sampleEvents['dates, nested and in arrays']!());
    const own = sendOnce(sampleEvents['keys with dots']!(), { compress: true });
    expect(decoded(serialize({ id: '3', data: own }))).toEqual({ id: '3', data: sampleEvents['keys with dots']!() });
    expect(own).toEqual({});
  });

  it('serializes the event once however many subscribers send it', () => {
    let reads = 0;
    const event = shareEvent({
      type: 'room.playback',
      get positionSec() {
        reads++;
        return 3;
      },
    });
    const items = Array.from({ length: 50 }, (_, subscriber) => serialize({ id: String(subscriber), data: event }) as SharedItem);
    expect(reads).toBe(1);
    expect(new Set(items.map((item) => item.encoding.jsonText))).toEqual(new Set(['{"type":"room.playback","positionSec":3}']));
  });

  it('serializes copies once with their event, and compresses their frames only when asked', () => {
    let reads = 0;
    const playback = {
      get positionSec() {
        reads++;
        return 3;
      },
    };
    const snapshot = shareEvent({ type: 'room.snapshot', at: new Date(4), playback }, { compress: true });
    const frames = Array.from({ length: 20 }, (_, subscriber) => {
      const copy = sendOnce(snapshot, { compress: true });
      const frame = frameOf(subscriber, String(subscriber), copy);
      expect(JSON.parse(frame as string)).toEqual(
        JSON.parse(
          JSON.stringify({
            id: subscriber,
            result: {
              type: 'data',
              data: superjson.serialize({ id: String(subscriber), data: { type: 'room.snapshot', at: new Date(4), playback: { positionSec: 3 } } }),
              id: String(subscriber),
            },
          }),
        ),
      );
      return frame;
    });
    expect(reads).toBe(1);
    // Compressible: plain text frames, which the socket compresses when the client asked for it.
    expect(frames.every((frame) => typeof frame === 'string')).toBe(true);
    expect(frameOf(1, '1', sendOnce(shareEvent({ type: 'room.playback' }), { compress: false }))).toBeInstanceOf(SharedFrame);
  });

  it('serializes an event that refers to itself per subscriber, correctly', () => {
    const event: Record<string, unknown> = { type: 'loop' };
    event.self = event;
    const serialized = serialize({ id: '2', data: shareEvent(event) });
    expect(serialized).not.toBeInstanceOf(SharedItem);
    const { data } = superjson.deserialize<{ data: Record<string, unknown> }>(serialized as ReturnType<typeof superjson.serialize>);
    expect(data.type).toBe('loop');
    expect(data.self).toBe(data);
  });

  it('leaves events nobody shared, and everything else, to plain superjson', () => {
    const event = { type: 'delta', text: 'hello' };
    expect(serialize({ id: '1', data: event })).toEqual(superjson.serialize({ id: '1', data: event }));
    expect(serialize({ when: new Date(3) })).toEqual(superjson.serialize({ when: new Date(3) }));
    expect(chorusTransformer.input.deserialize(superjson.serialize({ when: new Date(3) }))).toEqual({ when: new Date(3) });
  });
});
