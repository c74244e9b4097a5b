import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { KeepAliveClock } from './keep-alive';
import { attachWebSockets } from './websocket-server';
import { testSocketOptions } from './test-sockets.fixture';

// The keep-alive sweep against tRPC's own keep-alive (the ordinary path): the same clients, one
// answering every PING and one silent, meet the same fate on both servers.

const timing = { pingMs: 300, pongWaitMs: 300 };
const t = initTRPC.create();
const router = t.router({ ping: t.procedure.query(() => 'pong') });

async function trpcServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  applyWSSHandler({ wss, router, createContext: () => ({}), keepAlive: { enabled: true, ...timing } });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, close: () => new Promise((resolve) => wss.close(() => resolve())) };
}

async function chorusServer(): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer();
  const sockets = attachWebSockets(http, { ...testSocketOptions, router, createContext: async () => ({}), ...timing });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: async () => {
      await sockets.drain(0);
      await new Promise((resolve) => http.close(() => resolve(undefined)));
    },
  };
}

/** A client that answers PING with PONG (as tRPC's client does) or stays silent; what happened to it within `ms`. */
async function watchClient(url: string, answers: boolean, ms: number): Promise<{ pings: number; closedAfterMs: number | null }> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  const opened = performance.now();
  let pings = 0;
  let closedAfterMs: number | null = null;
  ws.on('message', (data: Buffer) => {
    if (data.toString() !== 'PING') return;
    pings++;
    if (answers) ws.send('PONG');
  });
  ws.on('close', () => (closedAfterMs = performance.now() - opened));
  await new Promise((resolve) => setTimeout(resolve, ms));
  ws.terminate();
  return { pings, closedAfterMs };
}

describe('keep-alive', () => {
  let servers: Array<{ url: string; close(): Promise<void> }>;
  beforeAll(async () => {
    servers = await Promise.all([trpcServer(), chorusServer()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('pings a quiet client that answers and keeps it, and cuts off one that does not answer, as tRPC does', async () => {
    const [trpc, chorus] = await Promise.all(
      servers.map(async (server) => {
        const [answering, silent] = await Promise.all([watchClient(server.url, true, 2000), watchClient(server.url, false, 2000)]);
        return { answering, silent };
      }),
    );
    for (const outcome of [trpc!, chorus!]) {
      expect(outcome.answering.closedAfterMs).toBeNull();
      expect(outcome.silent.pings).toBe(1);
      // PING after pingMs, cut off pongWaitMs later (the sweep may add a tick to each).
      expect(outcome.silent.closedAfterMs).toBeGreaterThanOrEqual(timing.pingMs + timing.pongWaitMs - 50);
      expect(outcome.silent.closedAfterMs).toBeLessThan(1500);
    }
    // A PING every pingMs (+ the round trip, + a tick): about as many on both.
    expect(trpc!.answering.pings).toBeGreaterThanOrEqual(4);
    expect(chorus!.answering.pings).toBeGreaterThanOrEqual(trpc!.answering.pings - 2);
    expect(chorus!.answering.pings).toBeLessThanOrEqual(trpc!.answering.pings + 1);
  });
});

describe('KeepAliveClock', () => {
  it('pings after pingMs without a byte read, terminates pongWaitMs after an unanswered ping, and any byte read counts as an answer', () => {
    const clock = new KeepAliveClock(0);
    const timing = { pingMs: 100, pongWaitMs: 50 };
    expect(clock.check(10, 0, timing)).toBeNull();
    expect(clock.check(10, 99, timing)).toBeNull();
    expect(clock.check(10, 100, timing)).toBe('ping');
    expect(clock.check(10, 120, timing)).toBeNull();
    expect(clock.check(14, 130, timing)).toBeNull(); // answered: quiet counts from here
    expect(clock.check(14, 229, timing)).toBeNull();
    expect(clock.check(14, 230, timing)).toBe('ping');
    expect(clock.check(14, 279, timing)).toBeNull();
    expect(clock.check(14, 280, timing)).toBe('terminate');
  });
});
