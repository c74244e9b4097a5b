import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { releaseIdleCompression } from './idle-compression';
import { SocketWriter } from './socket-writer';
import { compressionState } from './ws-internals';

// Idle connections give back their zlib streams: checked on real ws pairs that go on talking
// afterwards, against a pair that kept its streams (the ordinary path).

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server socket with its writer and a client offering permessage-deflate (every frame compressed, as browsers do). */
async function pair(clientNoContextTakeover: boolean) {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: { threshold: 0, serverMaxWindowBits: 14, zlibDeflateOptions: { memLevel: 4 }, clientNoContextTakeover },
  });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket, IncomingMessage]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: { threshold: 0 } });
  const [server, req] = await accepted;
  if (client.readyState !== WebSocket.OPEN) await once(client, 'open');
  const writer = new SocketWriter(server, req.socket);
  const toClient: string[] = [];
  const toServer: string[] = [];
  client.on('message', (data: Buffer) => toClient.push(data.toString()));
  server.on('message', (data: Buffer) => toServer.push(data.toString()));
  cleanups.push(async () => {
    client.terminate();
    server.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  const until = async (list: string[], n: number) => {
    while (list.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  /** Both ways, and waits until both arrived. */
  const exchange = async (text: string) => {
    const [toClientBefore, toServerBefore] = [toClient.length, toServer.length];
    writer.send(`{"to":"client","text":"${text}"}`);
    client.send(`{"to":"server","text":"${text}"}`);
    await until(toClient, toClientBefore + 1);
    await until(toServer, toServerBefore + 1);
  };
  const sweep = () => releaseIdleCompression([server], () => writer);
  return { server, client, writer, toClient, toServer, exchange, sweep, until };
}

const texts = ['hello', 'hello again', 'hello hello hello', 'a longer text that repeats: hello again'];

describe('releasing idle compression state', () => {
  it('closes both zlib streams once a connection was quiet for a whole round, and frames on either side decode as on a pair that kept them', async () => {
    const released = await pair(true);
    const kept = await pair(true);
    for (const text of texts.slice(0, 2)) {
      await released.exchange(text);
      await kept.exchange(text);
    }
    expect(compressionState(released.server)).toEqual({ deflate: true, inflate: true, clientNoContextTakeover: true });
    // The first round closes the inflate stream (between messages it holds nothing the next
    // needs) and notes the traffic so far; the second finds nothing moved since: the deflate too.
    expect(released.sweep()).toBe(1);
    expect(compressionState(released.server)).toMatchObject({ deflate: true, inflate: false });
    expect(released.sweep()).toBe(1);
    expect(compressionState(released.server)).toMatchObject({ deflate: false, inflate: false });
    for (const text of texts.slice(2)) {
      await released.exchange(text);
      await kept.exchange(text);
    }
    expect(released.toClient).toEqual(kept.toClient);
    expect(released.toServer).toEqual(kept.toServer);
    expect(released.toClient).toHaveLength(texts.length);
    // Talking again made new streams; a connection that keeps talking keeps its deflate stream.
    expect(compressionState(released.server)).toMatchObject({ deflate: true, inflate: true });
    expect(released.sweep()).toBe(1);
    expect(compressionState(released.server)).toMatchObject({ deflate: true, inflate: false });
  });

  it('keeps the inflate stream when the client may refer to its earlier messages (no client_no_context_takeover)', async () => {
    const { server, exchange, sweep } = await pair(false);
    await exchange('hello');
    expect(sweep()).toBe(0);
    expect(sweep()).toBe(1);
    expect(compressionState(server)).toEqual({ deflate: false, inflate: true, clientNoContextTakeover: false });
    await exchange('hello again');
  });

  it('sends keep-alive PINGs uncompressed: they make no new deflate stream on an idle connection', async () => {
    const { server, writer, toClient, exchange, sweep, until } = await pair(true);
    await exchange('hello');
    sweep();
    sweep();
    expect(compressionState(server)).toMatchObject({ deflate: false });
    writer.send('PING');
    await until(toClient, 2);
    expect(toClient[1]).toBe('PING');
    expect(compressionState(server)).toMatchObject({ deflate: false });
    // Any other frame is compressed as before.
    writer.send('PINGS');
    await until(toClient, 3);
    expect(toClient[2]).toBe('PINGS');
    expect(compressionState(server)).toMatchObject({ deflate: true });
  });
});
