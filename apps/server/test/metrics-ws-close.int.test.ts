// chorus_ws_closed_total by reason, for the closes the server decides: an authentication
// deadline missed, a frame over the size limit, a peer that vanished.
import { createTestClient, metricValue, scrapeMetrics, startTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ metrics: true, config: { wsAuthTimeoutMs: 500, wsMaxPayloadBytes: 4096 } });
});
afterAll(async () => {
  await server?.stop();
});

function open(query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/trpc${query}`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

async function closedTotal(reason: string, expected: number): Promise<void> {
  const until = Date.now() + 5000;
  for (;;) {
    const value = metricValue(await scrapeMetrics(server.metricsUrl!), 'chorus_ws_closed_total', { reason }) ?? 0;
    if (value === expected || Date.now() > until) return expect(value).toBe(expected);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('WebSocket closes by reason', () => {
  it('counts a socket that never signed in as auth_timeout', async () => {
    const socket = await open();
    expect(await closed(socket)).toBe(1008);
    await closedTotal('auth_timeout', 1);
  });

  it('counts a frame over the size limit as payload_too_big', async () => {
    const socket = await open();
    socket.send('x'.repeat(8192));
    expect(await closed(socket)).toBe(1009);
    await closedTotal('payload_too_big', 1);
  });

  it('counts a peer that vanished without a closing handshake as error, and the gauge returns to zero', async () => {
    const socket = await open();
    socket.terminate();
    await closedTotal('error', 1);
    expect(metricValue(await scrapeMetrics(server.metricsUrl!), 'chorus_ws_connections')).toBe(0);
  });

  it('counts the sockets a draining instance closes as shutdown (the metrics listener outlives the public one)', async () => {
    // Signed in, so that only the shutdown can close them.
    const { token } = await createTestClient(server.url).auth.guest.mutate();
    const sockets = await Promise.all([open('?connectionParams=1'), open('?connectionParams=1')]);
    for (const socket of sockets) socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sockets.map((socket) => socket.readyState)).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    const closes = sockets.map(closed);
    await server.close();
    expect(await Promise.all(closes)).toEqual([1012, 1012]);
    await closedTotal('shutdown', 2);
  });
});
