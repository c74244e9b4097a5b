import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { acceptSharedFrames, shareEvent, sharedFrameEncoder, sharedTransformer, UncompressedFrame } from './shared-frames';

const serialize = (value: unknown) => sharedTransformer.output.serialize(value) as ReturnType<typeof superjson.serialize>;

/** A WebSocket response as tRPC's adapter builds it for a tracked item, serialized by the transformer. */
function frameFor(subscriptionId: number, id: string, event: object) {
  return { id: subscriptionId, result: { type: 'data', id, data: serialize({ id, data: event }) } };
}

function textOf(frame: string | UncompressedFrame): string {
  return frame instanceof UncompressedFrame ? frame.text : frame;
}

const events: Record<string, () => object> = {
  'plain JSON': () => ({ type: 'room.playback', roomId: 7, seq: 12, playback: { paused: false, positionSec: 1.5, mediaUrl: 'https://example.com/a.mp4' } }),
  'dates, nested and in arrays': () => ({ type: 'chat.message', at: new Date(5), message: { createdAt: new Date(6), reactions: [{ at: new Date(7) }] } }),
  'maps, sets, bigint, undefined': () => ({ m: new Map([[1, new Date(0)]]), s: new Set([new Date(1)]), big: 10n, gone: undefined }),
  'keys with dots': () => ({ 'a.b': new Date(0), nested: { 'c.d': { e: new Date(1) } } }),
  'one object in two places': () => {
    const now = new Date(9);
    const member = { userId: 3 };
    return { type: 'room.playback', createdAt: now, playback: { updatedAt: now }, by: member, members: [member] };
  },
};

describe('shared events', () => {
  for (const [name, make] of Object.entries(events)) {
    it(`serializes a shared event (${name}) exactly as superjson does, whatever the id`, () => {
      const event = shareEvent(make());
      for (const id of ['1', '2', '99']) {
        const expected = superjson.serialize({ id, data: make() });
        expect(serialize({ id, data: event })).toEqual(expected);
        expect(superjson.deserialize(serialize({ id, data: event }))).toEqual({ id, data: make() });
      }
    });

    it(`writes a shared event's frame (${name}) as the JSON tRPC would, uncompressed`, () => {
      const event = shareEvent(make());
      const frame = sharedFrameEncoder.encode(frameFor(3, '41', event));
      expect(frame).toBeInstanceOf(UncompressedFrame);
      const expected = { id: 3, result: { type: 'data', id: '41', data: superjson.serialize({ id: '41', data: make() }) } };
      expect(JSON.parse(textOf(frame))).toEqual(JSON.parse(JSON.stringify(expected)));
    });
  }

  it('serializes the event once however many subscribers send it', () => {
    let reads = 0;
    const event = shareEvent({
      type: 'room.playback',
      get positionSec() {
        reads++;
        return 3;
      },
    });
    for (let subscriber = 1; subscriber <= 50; subscriber++) sharedFrameEncoder.encode(frameFor(subscriber, '5', event));
    expect(reads).toBe(1);
  });

  it('keeps every subscription its own id and event id', () => {
    const event = shareEvent({ type: 'presence', userId: 4 });
    const a = JSON.parse(textOf(sharedFrameEncoder.encode(frameFor(1, '10', event)))) as { id: number; result: { id: string; data: { json: { id: string } } } };
    const b = JSON.parse(textOf(sharedFrameEncoder.encode(frameFor(2, '11', event)))) as typeof a;
    expect([a.id, a.result.id, a.result.data.json.id]).toEqual([1, '10', '10']);
    expect([b.id, b.result.id, b.result.data.json.id]).toEqual([2, '11', '11']);
  });

  it('serializes an event that refers to itself per subscriber, correctly', () => {
    const event: Record<string, unknown> = { type: 'loop' };
    event.self = event;
    shareEvent(event);
    const frame = sharedFrameEncoder.encode(frameFor(1, '2', event));
    expect(typeof frame).toBe('string');
    const parsed = JSON.parse(textOf(frame)) as { result: { data: Parameters<typeof superjson.deserialize>[0] } };
    const { data } = superjson.deserialize<{ data: Record<string, unknown> }>(parsed.result.data);
    expect(data.type).toBe('loop');
    expect(data.self).toBe(data);
  });

  it('leaves events nobody shared, and other replies, to plain superjson and JSON', () => {
    const event = { type: 'delta', text: 'hello' };
    expect(serialize({ id: '1', data: event })).toEqual(superjson.serialize({ id: '1', data: event }));
    const reply = { id: 9, result: { type: 'data', data: serialize({ when: new Date(3) }) } };
    expect(sharedFrameEncoder.encode(reply)).toBe(JSON.stringify(reply));
    expect(sharedFrameEncoder.encode(frameFor(1, '1', event))).toBe(JSON.stringify(frameFor(1, '1', event)));
  });

  it('decodes JSON text frames and refuses binary ones', () => {
    expect(sharedFrameEncoder.decode('{"id":1,"method":"subscription"}')).toEqual({ id: 1, method: 'subscription' });
    expect(() => sharedFrameEncoder.decode(new Uint8Array([1, 2]))).toThrow(/JSON text/);
  });
});

describe('acceptSharedFrames', () => {
  function recordingSocket() {
    const sent: { data: unknown; options: unknown; callback: unknown }[] = [];
    const socket = {
      send(data: unknown, options: unknown, callback?: unknown) {
        sent.push({ data, options, callback });
      },
    };
    acceptSharedFrames(socket);
    return { socket, sent };
  }

  it('sends an uncompressed frame as text without compression', () => {
    const { socket, sent } = recordingSocket();
    const done = () => {};
    socket.send(new UncompressedFrame('{"a":1}'), done);
    expect(sent).toEqual([{ data: '{"a":1}', options: { compress: false, binary: false }, callback: done }]);
  });

  it('passes anything else through with its options', () => {
    const { socket, sent } = recordingSocket();
    socket.send('PONG', undefined);
    socket.send('{"b":2}', { compress: true });
    expect(sent.map(({ data, options }) => ({ data, options }))).toEqual([
      { data: 'PONG', options: {} },
      { data: '{"b":2}', options: { compress: true } },
    ]);
  });
});
