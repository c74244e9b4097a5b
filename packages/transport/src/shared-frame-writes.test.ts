import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { acceptUncompressedFrames, UncompressedFrame } from './frame-encoder';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

// A shared event's frame skips ws's sender when nothing can be ahead of it there: checked with a
// real ws server and client, counting what still goes through the sender.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** What DirectFrames hands a ws socket (its send takes it once acceptUncompressedFrames ran). */
const sendShared = (socket: WebSocket, text: string) => (socket.send as (data: unknown) => void).call(socket, new UncompressedFrame(text));

async function connectedPair(deflate: boolean) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? { threshold: 0 } : false });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: deflate });
  const [server] = await accepted;
  if (client.readyState !== WebSocket.OPEN) await once(client, 'open');
  acceptUncompressedFrames(server);
  const received: string[] = [];
  client.on('message', (data, isBinary) => received.push(isBinary ? '(binary)' : String(data)));
  const sender = (server as unknown as { _sender: { send(...args: unknown[]): void } })._sender;
  const viaSender = { count: 0 };
  const senderSend = sender.send.bind(sender);
  sender.send = (...args: unknown[]) => {
    viaSender.count++;
    senderSend(...args);
  };
  cleanups.push(async () => {
    client.terminate();
    server.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  const receivedCount = async (n: number) => {
    while (received.length < n) await once(client, 'message');
  };
  return { server, received, viaSender, receivedCount };
}

describe('shared frames on a ws socket', () => {
  it('are written whole, past the sender, at every payload length encoding', async () => {
    const { server, received, viaSender, receivedCount } = await connectedPair(false);
    const texts = ['{"a":1}', `{"text":"${'é'.repeat(100)}"}`, `{"text":"${'x🎬'.repeat(22_000)}"}`];
    for (const text of texts) sendShared(server, text);
    await receivedCount(texts.length);
    expect(received).toEqual(texts);
    expect(viaSender.count).toBe(0);
    // One buffer per frame object, whatever number of sockets it goes to; its payload is the text.
    const frame = new UncompressedFrame('{"b":"é"}');
    expect(frame.wire).toBe(frame.wire);
    expect([...frame.wire.subarray(0, 2)]).toEqual([0x81, 10]);
    expect(frame.bytes.toString()).toBe('{"b":"é"}');
  });

  it('wait behind a frame ws is still compressing, and keep their order', async () => {
    const { server, received, viaSender, receivedCount } = await connectedPair(true);
    const big = JSON.stringify({ text: 'the quick brown fox jumps over the lazy dog '.repeat(5_000) });
    server.send(big);
    sendShared(server, '{"after":"big"}');
    server.send('{"compressed":"again"}');
    await receivedCount(3);
    expect(received).toEqual([big, '{"after":"big"}', '{"compressed":"again"}']);
    // The shared frame went through the sender, queued behind the compression.
    expect(viaSender.count).toBe(3);
    // Once the sender is idle again, shared frames go past it.
    sendShared(server, '{"idle":true}');
    await receivedCount(4);
    expect(received[3]).toBe('{"idle":true}');
    expect(viaSender.count).toBe(3);
  });

  it('are not written to a socket that is closing', async () => {
    const { server, received, viaSender } = await connectedPair(false);
    server.close();
    expect(() => sendShared(server, '{"late":true}')).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    expect(viaSender.count).toBe(0);
  });
});
