import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { frameEncoder } from './frame-encoder';
import { sampleEvents } from './sample-events.fixture';
import { SharedFrame } from './shared-frame';
import { shareEvent } from './shared-event';
import { serializeOutput } from './transformer';

/** A WebSocket response as tRPC's adapter builds it for a tracked item, serialized by the transformer. */
function trackedResponse(subscriptionId: number, id: string, event: object) {
  return { id: subscriptionId, result: { type: 'data', id, data: serializeOutput({ id, data: event }) } };
}

const textOf = (frame: string | Uint8Array): string => (frame instanceof SharedFrame ? frame.text : (frame as string));

describe('frameEncoder', () => {
  it('puts what repeats from frame to frame first: the envelope up to the text, then the ids', () => {
    const frame = frameEncoder.encode(trackedResponse(1, '7', { type: 'delta', text: ' the fox' }));
    expect(frame).toBe('{"id":1,"result":{"type":"data","data":{"json":{"data":{"type":"delta","text":" the fox"},"id":"7"}},"id":"7"}}');
  });

  it('writes the same JSON values as tRPC would, only in another key order', () => {
    const responses = [
      trackedResponse(3, '41', { type: 'done', at: new Date(5), usage: null }),
      { id: 4, result: { type: 'data', data: superjson.serialize({ when: new Date(3), list: [1, 2] }) } },
      { id: 5, jsonrpc: '2.0', result: { type: 'started' } },
      { id: 6, result: { type: 'stopped' } },
      { id: 7, error: { json: { message: 'nope', code: -32001 } } },
      { id: null, method: 'reconnect' },
    ];
    for (const response of responses) expect(JSON.parse(textOf(frameEncoder.encode(response)))).toEqual(JSON.parse(JSON.stringify(response)));
  });

  for (const [name, make] of Object.entries(sampleEvents)) {
    it(`writes a shared event's frame (${name}) from its cached text, uncompressed`, () => {
      const frame = frameEncoder.encode(trackedResponse(3, '41', shareEvent(make())));
      expect(frame).toBeInstanceOf(SharedFrame);
      const expected = { id: 3, result: { type: 'data', id: '41', data: superjson.serialize({ id: '41', data: make() }) } };
      expect(JSON.parse(textOf(frame))).toEqual(JSON.parse(JSON.stringify(expected)));
    });
  }

  it('keeps every subscription its own id and event id in a shared frame', () => {
    const event = shareEvent({ type: 'presence', userId: 4 });
    type Parsed = { id: number; result: { id: string; data: { json: { id: string } } } };
    const a = JSON.parse(textOf(frameEncoder.encode(trackedResponse(1, '10', event)))) as Parsed;
    const b = JSON.parse(textOf(frameEncoder.encode(trackedResponse(2, '11', event)))) as Parsed;
    expect([a.id, a.result.id, a.result.data.json.id]).toEqual([1, '10', '10']);
    expect([b.id, b.result.id, b.result.data.json.id]).toEqual([2, '11', '11']);
  });

  it('decodes JSON text frames and refuses binary ones', () => {
    expect(frameEncoder.decode('{"id":1,"method":"subscription"}')).toEqual({ id: 1, method: 'subscription' });
    expect(() => frameEncoder.decode(new Uint8Array([1, 2]))).toThrow(/JSON text/);
  });
});
