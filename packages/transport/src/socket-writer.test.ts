import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as turnEnd } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SharedFrame } from './shared-frame';
import { SocketWriter } from './socket-writer';
import { senderFields } from './ws-internals';

// A shared event's frame skips ws's sender when nothing can be ahead of it there: checked with a
// real ws server and client, counting what still goes through the sender.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** What DirectFrames hands a socket's writer. */
const sendShared = (writer: SocketWriter, text: string) => writer.write(new SharedFrame(text));

async function connectedPair(deflate: boolean) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? { threshold: 0 } : false });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket, IncomingMessage]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: deflate });
  const [server, req] = await accepted;
  if (client.readyState !== WebSocket.OPEN) await once(client, 'open');
  const writer = new SocketWriter(server, req.socket);
  const received: string[] = [];
  client.on('message', (data, isBinary) => received.push(isBinary ? '(binary)' : (data as Buffer).toString()));
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
  return { server, writer, req, received, viaSender, receivedCount };
}

describe('shared frames on a ws socket', () => {
  it('are written whole, past the sender, at every payload length encoding', async () => {
    const { writer, received, viaSender, receivedCount } = await connectedPair(false);
    const texts = ['{"a":1}', `{"text":"${'é'.repeat(100)}"}`, `{"text":"${'x🎬'.repeat(22_000)}"}`];
    for (const text of texts) sendShared(writer, text);
    await receivedCount(texts.length);
    expect(received).toEqual(texts);
    expect(viaSender.count).toBe(0);
    // One buffer per frame object, whatever number of sockets it goes to; its payload is the text.
    const frame = new SharedFrame('{"b":"é"}');
    expect(frame.wire).toBe(frame.wire);
    expect([...frame.wire.subarray(0, 2)]).toEqual([0x81, 10]);
    expect(frame.payload.toString()).toBe('{"b":"é"}');
    expect(Buffer.from(frame).toString()).toBe('{"b":"é"}');
    expect(frame.wire.buffer).toBe(frame.buffer);
  });

  it('wait behind a frame ws is still compressing, and keep their order', async () => {
    const { server, writer, received, viaSender, receivedCount } = await connectedPair(true);
    const big = JSON.stringify({ text: 'the quick brown fox jumps over the lazy dog '.repeat(5_000) });
    server.send(big);
    sendShared(writer, '{"after":"big"}');
    server.send('{"compressed":"again"}');
    await receivedCount(3);
    expect(received).toEqual([big, '{"after":"big"}', '{"compressed":"again"}']);
    // The shared frame went through the sender, queued behind the compression.
    expect(viaSender.count).toBe(3);
    // Once the sender is idle again, shared frames go past it.
    sendShared(writer, '{"idle":true}');
    await receivedCount(4);
    expect(received[3]).toBe('{"idle":true}');
    expect(viaSender.count).toBe(3);
  });

  it('are not written to a socket that is closing', async () => {
    const { server, writer, received, viaSender } = await connectedPair(false);
    server.close();
    expect(() => sendShared(writer, '{"late":true}')).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    expect(viaSender.count).toBe(0);
  });

  it("takes the socket's own send, so tRPC's frames go through it too, held to the turn's end", async () => {
    const { server, req, received, receivedCount } = await connectedPair(false);
    server.send('{"plain":1}');
    server.send(new SharedFrame('{"shared":2}'));
    expect(req.socket.writableCorked).toBe(1);
    await turnEnd();
    expect(req.socket.writableCorked).toBe(0);
    await receivedCount(2);
    expect(received).toEqual(['{"plain":1}', '{"shared":2}']);
  });

  it('closes a socket whose reader fell behind by more than allowed, and only that', async () => {
    const { writer } = await connectedPair(false);
    expect(writer.closeIfSlow(0)).toBe(false);
    writer.ws.send('x'.repeat(100_000));
    expect(writer.closeIfSlow(1024)).toBe(true);
    await once(writer.ws, 'close');
  });
});

describe("ws's private fields", () => {
  it('have the shape ws-internals.ts reads: an idle sender is state 0 with no fragment open, busy while compressing', async () => {
    const { server } = await connectedPair(true);
    expect(senderFields(server)).toEqual({ state: 0, firstFragment: true });
    server.send('y'.repeat(200_000));
    expect(senderFields(server).state).not.toBe(0);
    server.send('a', { fin: false });
    expect(senderFields(server).firstFragment).toBe(false);
  });
});
