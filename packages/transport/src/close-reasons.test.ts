import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { closeReasonOf, markClose } from './close-reasons';

const socket = () => ({}) as WebSocket;

describe('closeReasonOf', () => {
  it('maps a peer leaving on its own to normal, 1009 to payload_too_big, anything else to error', () => {
    for (const code of [1000, 1001, 1005]) expect(closeReasonOf(socket(), code)).toBe('normal');
    expect(closeReasonOf(socket(), 1009)).toBe('payload_too_big');
    expect(closeReasonOf(socket(), 1006)).toBe('error');
    expect(closeReasonOf(socket(), 4000)).toBe('error');
  });

  it("prefers the server's own reason, and the first one given", () => {
    const slow = socket();
    markClose(slow, 'slow_consumer');
    markClose(slow, 'shutdown');
    // A slow reader cut off after the closing handshake timed out reports 1006.
    expect(closeReasonOf(slow, 1006)).toBe('slow_consumer');
    const draining = socket();
    markClose(draining, 'shutdown');
    expect(closeReasonOf(draining, 1000)).toBe('shutdown');
  });
});
