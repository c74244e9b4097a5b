import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DirectFrames } from './direct-frames';
import { frameEncoder } from './frame-encoder';
import { sampleEvents } from './sample-events.fixture';
import { SharedFrame } from './shared-frame';
import { sendOnce, shareEvent } from './shared-event';
import type { FrameSink } from './socket-writer';
import { serializeOutput } from './transformer';

/** The frame tRPC's adapter sends for a tracked item (respond → transformTRPCResponse → encoder). */
function trpcFrame(subscriptionId: number | string, jsonrpc: '2.0' | undefined, eventId: string, data: object) {
  const result = { type: 'data', data: serializeOutput({ id: eventId, data }), id: eventId };
  return textOf(frameEncoder.encode({ id: subscriptionId, jsonrpc, result }));
}

const textOf = (frame: string | Uint8Array): string => (frame instanceof SharedFrame ? frame.text : (frame as string));

function fakeSocket() {
  const sent: string[] = [];
  const socket: FrameSink & { open: boolean } = { open: true, write: (data) => void sent.push(textOf(data)) };
  return { socket, sent };
}

/** Sends `first` the way tRPC would on subscription `id`: that binds the writer. */
function sendThroughTrpc(direct: DirectFrames, id: number | string, jsonrpc: '2.0' | undefined, first: object) {
  return trpcFrame(id, jsonrpc, '0', direct.bindFirst(sendOnce(first, { compress: true })));
}

describe('DirectFrames', () => {
  for (const jsonrpc of [undefined, '2.0'] as const) {
    it(`writes exactly the frames tRPC would${jsonrpc ? ' (JSON-RPC)' : ''}, shared events included`, () => {
      const { socket, sent } = fakeSocket();
      const direct = new DirectFrames(socket, []);
      sendThroughTrpc(direct, 17, jsonrpc, { type: 'room.snapshot' });
      for (const [name, make] of Object.entries(sampleEvents)) {
        for (const event of [make(), shareEvent(make())]) {
          expect(direct.write('42', event), name).toBe(true);
          expect(sent.pop(), name).toBe(trpcFrame(17, jsonrpc, '42', event));
        }
      }
    });
  }

  it('hands every subscription of the same id the same frame of a shared event, and each other id its own', () => {
    const writers = [17, 17, 4, 17, 4].map((id) => {
      const sent: Array<string | SharedFrame> = [];
      const direct = new DirectFrames({ open: true, write: (data) => void sent.push(data) }, []);
      sendThroughTrpc(direct, id, '2.0', { type: 'snapshot' });
      return { id, direct, sent };
    });
    const event = shareEvent(sampleEvents['dates, nested and in arrays']!());
    const other = shareEvent(sampleEvents['dates, nested and in arrays']!());
    // In turn, as a broadcast writes, then interleaved with another event, then a later id.
    for (const eventId of ['7', '7', '8']) {
      for (const { direct } of writers) direct.write(eventId, event);
      for (const { direct } of writers) direct.write(eventId, other);
    }
    for (const { id, sent } of writers) {
      expect(sent.map(textOf)).toEqual([
        trpcFrame(id, '2.0', '7', event),
        trpcFrame(id, '2.0', '7', other),
        trpcFrame(id, '2.0', '7', event),
        trpcFrame(id, '2.0', '7', other),
        trpcFrame(id, '2.0', '8', event),
        trpcFrame(id, '2.0', '8', other),
      ]);
    }
    const [first, second, third, fourth] = writers;
    expect(second!.sent[0]).toBe(first!.sent[0]);
    expect(fourth!.sent[4]).toBe(first!.sent[4]);
    expect(third!.sent[0]).not.toBe(first!.sent[0]);
    expect(writers[4]!.sent[5]).toBe(third!.sent[5]);
  });

  it('is bound by a first item that is itself shared, like a room snapshot', () => {
    const { socket, sent } = fakeSocket();
    const direct = new DirectFrames(socket, []);
    const snapshot = { type: 'room.snapshot', members: [{ userId: 1 }] };
    sendThroughTrpc(direct, 9, undefined, shareEvent(snapshot, { compress: true }));
    expect(direct.write('5', { type: 'x' })).toBe(true);
    expect(JSON.parse(sent[0]!)).toMatchObject({ id: 9, result: { id: '5' } });
  });

  it('writes nothing before its subscription id is known, nor once the subscription or socket is closed', () => {
    const { socket, sent } = fakeSocket();
    const subscription = new AbortController();
    const direct = new DirectFrames(socket, [subscription.signal, undefined]);
    expect(direct.write('1', { type: 'x' })).toBe(false);
    // Another subscription's item does not bind it.
    trpcFrame(5, undefined, '0', { type: 'other' });
    expect(direct.write('1', { type: 'x' })).toBe(false);
    sendThroughTrpc(direct, 6, undefined, { type: 'mine' });
    expect(direct.write('1', { type: 'x' })).toBe(true);
    socket.open = false;
    expect(direct.write('2', { type: 'x' })).toBe(false);
    socket.open = true;
    subscription.abort();
    expect(direct.write('3', { type: 'x' })).toBe(false);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!)).toMatchObject({ id: 6, result: { id: '1' } });
  });

  it("lets go of the session's signal when closed, and writes nothing after", () => {
    const { socket, sent } = fakeSocket();
    const session = new AbortController();
    const direct = new DirectFrames(socket, [undefined, session.signal]);
    sendThroughTrpc(direct, 1, undefined, { type: 'first' });
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(1);
    direct.close();
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    expect(direct.write('1', { type: 'x' })).toBe(false);
    expect(sent).toEqual([]);
  });
});
