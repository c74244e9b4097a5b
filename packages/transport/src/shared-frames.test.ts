import superjson from 'superjson';
import { describe, expect, it, vi } from 'vitest';
import { sampleEvents } from './sample-events.fixture';
import { dropOnSend, parseSharedEvent, shareCopy, shareEvent, sharedItemParts, sharedParts, sharedTransformer } from './shared-frames';
import { frameEncoder, UncompressedFrame } from './frame-encoder';

const serialize = (value: unknown) => sharedTransformer.output.serialize(value) as ReturnType<typeof superjson.serialize>;

describe('sharedTransformer', () => {
  for (const [name, make] of Object.entries(sampleEvents)) {
    it(`serializes a shared event (${name}) exactly as superjson does, whatever the id`, () => {
      const event = shareEvent(make());
      for (const id of ['1', '2', '99']) {
        const serialized = serialize({ id, data: event });
        expect(serialized).toEqual(superjson.serialize({ id, data: make() }));
        expect(superjson.deserialize(serialized)).toEqual({ id, data: make() });
        expect(sharedParts(serialized)).toMatchObject({ id });
      }
    });
  }

  for (const [name, make] of Object.entries(sampleEvents)) {
    it(`reuses the text a shared event (${name}) was parsed from instead of serializing it again`, () => {
      const event = parseSharedEvent<object>(superjson.stringify(make()));
      expect(event).toEqual(make());
      const serializeSpy = vi.spyOn(superjson, 'serialize');
      try {
        const parts = sharedItemParts('5', event);
        const serialized = serialize({ id: '6', data: event });
        expect(serializeSpy).not.toHaveBeenCalled();
        expect(parts?.jsonText).toBe(JSON.stringify(superjson.serialize(make()).json));
        expect(serialized).toEqual(superjson.serialize({ id: '6', data: make() }));
      } finally {
        serializeSpy.mockRestore();
      }
    });
  }

  it('empties an item marked dropOnSend once serialized, leaving the frame and the shared event intact', () => {
    const event = shareEvent(sampleEvents['dates, nested and in arrays']!());
    const copies = ['1', '2'].map((id) => ({ id, copy: dropOnSend(shareCopy(event, { compress: true })) }));
    for (const { id, copy } of copies) {
      const serialized = serialize({ id, data: copy });
      expect(superjson.deserialize(serialized)).toEqual({ id, data: sampleEvents['dates, nested and in arrays']!() });
      expect(sharedParts(serialized)).toMatchObject({ id, compress: true });
      expect(copy).toEqual({});
    }
    expect(event).toEqual(sampleEvents['dates, nested and in arrays']!());
    const own = dropOnSend({ ...sampleEvents['keys with dots']!() });
    expect(superjson.deserialize(serialize({ id: '3', data: own }))).toEqual({ id: '3', data: sampleEvents['keys with dots']!() });
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
    const parts = Array.from({ length: 50 }, (_, subscriber) => sharedParts(serialize({ id: String(subscriber), data: event })));
    expect(reads).toBe(1);
    expect(new Set(parts.map((part) => part?.jsonText))).toEqual(new Set(['{"type":"room.playback","positionSec":3}']));
  });

  it('serializes copies once with their event, and compresses their frames only when asked', () => {
    let reads = 0;
    const playback = {
      get positionSec() {
        reads++;
        return 3;
      },
    };
    const snapshot = { type: 'room.snapshot', at: new Date(4), playback };
    const copies = Array.from({ length: 20 }, () => shareCopy(snapshot, { compress: true }));
    expect(new Set(copies).size).toBe(20);
    const frames = copies.map((copy, subscriber) => {
      const serialized = serialize({ id: String(subscriber), data: copy });
      expect(serialized).toEqual(superjson.serialize({ id: String(subscriber), data: { type: 'room.snapshot', at: new Date(4), playback: { positionSec: 3 } } }));
      return frameEncoder.encode({ id: subscriber, result: { type: 'data', id: String(subscriber), data: serialized } });
    });
    expect(reads).toBe(1);
    // Compressible: plain text frames, which the socket compresses when the client asked for it.
    expect(frames.every((frame) => typeof frame === 'string')).toBe(true);
    const event = shareCopy({ type: 'room.playback' }, { compress: false });
    expect(frameEncoder.encode({ id: 1, result: { type: 'data', id: '1', data: serialize({ id: '1', data: event }) } })).toBeInstanceOf(UncompressedFrame);
  });

  it('serializes an event that refers to itself per subscriber, correctly', () => {
    const event: Record<string, unknown> = { type: 'loop' };
    event.self = event;
    shareEvent(event);
    const serialized = serialize({ id: '2', data: event });
    expect(sharedParts(serialized)).toBeNull();
    const { data } = superjson.deserialize<{ data: Record<string, unknown> }>(serialized);
    expect(data.type).toBe('loop');
    expect(data.self).toBe(data);
  });

  it('leaves events nobody shared, and everything else, to plain superjson', () => {
    const event = { type: 'delta', text: 'hello' };
    expect(serialize({ id: '1', data: event })).toEqual(superjson.serialize({ id: '1', data: event }));
    expect(sharedParts(serialize({ id: '1', data: event }))).toBeNull();
    expect(serialize({ when: new Date(3) })).toEqual(superjson.serialize({ when: new Date(3) }));
    expect(sharedTransformer.input.deserialize(superjson.serialize({ when: new Date(3) }))).toEqual({ when: new Date(3) });
  });
});
