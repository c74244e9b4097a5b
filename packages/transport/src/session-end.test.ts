import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { closeReasonOf } from './close-reasons';
import { closeWhenSessionEnds, SESSION_ENDED_CLOSE_CODE } from './session-end';
import { SocketWriter } from './socket-writer';

// On a real ws server and client, with compression on (frames then wait for zlib in ws's queue).

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function connectedPair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket, IncomingMessage]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: true });
  const [server, req] = await accepted;
  if (client.readyState !== WebSocket.OPEN) await once(client, 'open');
  const seen: string[] = [];
  client.on('message', (data) => seen.push((data as Buffer).toString()));
  const closed = new Promise<void>((resolve) => client.once('close', (code, reason) => (seen.push(`close ${code} ${reason.toString()}`), resolve())));
  const serverClosed = new Promise<number>((resolve) => server.once('close', (code: number) => resolve(code)));
  cleanups.push(async () => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  return { server, writer: new SocketWriter(server, req.socket), seen, closed, serverClosed };
}

describe('closeWhenSessionEnds', () => {
  it('closes with 4401 after the frames written in the turn that ended the session, marked revoked', async () => {
    const { server, writer, seen, closed, serverClosed } = await connectedPair();
    const ended = new AbortController();
    closeWhenSessionEnds(server, ended.signal);
    ended.abort();
    // As the subscriptions' error frames are: by promise reactions after the abort.
    await Promise.resolve();
    writer.write('{"id":1,"error":"UNAUTHORIZED"}');
    await Promise.resolve().then(() => writer.write('{"id":2,"error":"UNAUTHORIZED"}'));
    await closed;
    expect(seen).toEqual(['{"id":1,"error":"UNAUTHORIZED"}', '{"id":2,"error":"UNAUTHORIZED"}', `close ${SESSION_ENDED_CLOSE_CODE} session ended`]);
    expect(closeReasonOf(server, await serverClosed)).toBe('revoked');
  });

  it('closes a socket whose session had ended before it was watched', async () => {
    const { server, closed, seen } = await connectedPair();
    closeWhenSessionEnds(server, AbortSignal.abort());
    await closed;
    expect(seen).toEqual(['close 4401 session ended']);
  });

  it('leaves a socket open while its session lasts', async () => {
    const { server, seen } = await connectedPair();
    closeWhenSessionEnds(server, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.readyState).toBe(WebSocket.OPEN);
    expect(seen).toEqual([]);
  });
});
