import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC, tracked, TRPCError, type CombinedDataTransformer } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { directFramesFor } from './direct-frames';
import { sampleEvents } from './sample-events.fixture';
import { parseSharedEvent, sendOnce, shareEvent } from './shared-event';
import type { FrameSink } from './socket-writer';
import { chorusTransformer } from './transformer';
import { attachWebSockets, type WebSockets } from './websocket-server';
import { testSocketOptions } from './test-sockets.fixture';

/**
 * The contract: Chorus's transport (its transformer, frame encoder, SocketWriter, shared events
 * and direct frames) sends the frames tRPC's own WebSocket adapter sends, byte for byte, with
 * one designed difference: a tracked item's serialized `{ id, data }` is written data first
 * (see frame-encoder.ts). The same router runs twice on tRPC's `applyWSSHandler`: once as
 * tRPC ships it (superjson, its JSON encoder, the socket untouched), once through
 * `attachWebSockets`. The same requests go to both, one at a time, and every frame is compared.
 */

type Ctx = { socket?: FrameSink };

/** Events of every kind a stream yields: parsed by a hub, shared, plain, and a snapshot of its own. */
function script(): object[] {
  const samples = Object.values(sampleEvents);
  return [
    ...samples.map((make) => parseSharedEvent<object>(superjson.stringify(make()))),
    ...samples.map((make) => shareEvent(make())),
    ...samples.map((make) => make()),
    shareEvent({ type: 'room.playback', text: 'é🎬 "quoted" \\ \u2028', at: new Date(7) }),
    shareEvent({ type: 'big', text: 'x'.repeat(70_000) }),
    (() => {
      const loop: Record<string, unknown> = { type: 'loop' };
      loop.self = loop;
      return shareEvent(loop);
    })(),
  ];
}

function makeT(transformer: CombinedDataTransformer) {
  return initTRPC.context<Ctx>().create({ transformer, isDev: false });
}

function routerFor(t: ReturnType<typeof makeT>) {
  return t.router({
    ping: t.procedure.input(z.object({ n: z.number() })).query(({ input }) => ({ pong: input.n, at: new Date(3) })),
    events: t.procedure.input(z.object({ lastEventId: z.string().nullish() }).optional()).subscription(async function* ({ ctx, input, signal }) {
      const direct = directFramesFor(ctx, signal);
      let last = Number(input?.lastEventId ?? 0);
      const first = sendOnce(shareEvent({ type: 'snapshot', since: last, at: new Date(1) }), { compress: true });
      yield tracked(String(last), direct ? direct.bindFirst(first) : first);
      for (const event of script().slice(last)) {
        last++;
        if (direct?.write(String(last), event)) continue;
        yield tracked(String(last), event);
      }
    }),
    failing: t.procedure.subscription(async function* () {
      yield tracked('1', shareEvent({ type: 'one' }));
      throw new TRPCError({ code: 'FORBIDDEN', message: 'not yours' });
    }),
    forever: t.procedure.subscription(async function* ({ signal }) {
      yield { type: 'untracked', at: new Date(2) };
      await new Promise((resolve) => signal?.addEventListener('abort', resolve));
    }),
  });
}

interface Peer {
  url: string;
  reconnectAll(): void;
  close(): Promise<void>;
}

async function plainTrpc(): Promise<Peer> {
  const t = makeT({ input: superjson, output: superjson });
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const handler = applyWSSHandler({ wss, router: routerFor(t), createContext: () => ({}) });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    reconnectAll: () => handler.broadcastReconnectNotification(),
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

async function chorusTransport(): Promise<Peer> {
  const t = makeT(chorusTransformer);
  const http: Server = createServer();
  const sockets: WebSockets = attachWebSockets(http, {
    ...testSocketOptions,
    router: routerFor(t),
    createContext: async ({ writer }) => ({ socket: writer }),
    compression: true,
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    reconnectAll: () => void sockets.drain(0),
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}

/** A client speaking tRPC's wire protocol, recording every frame it receives. */
async function connect(url: string) {
  // Offers permessage-deflate as browsers do, so compressed and uncompressed frames both occur.
  const ws = new WebSocket(url, { perMessageDeflate: true });
  const frames: string[] = [];
  const binary: number[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary.push(frames.length);
    frames.push((data as Buffer).toString());
  });
  await once(ws, 'open');
  /** Sends `message` and waits until a frame satisfies `done`; returns the frames since. */
  const exchange = async (message: object | null, done: (frame: { id?: unknown; result?: { type?: string }; error?: unknown; method?: string }) => boolean) => {
    const from = frames.length;
    if (message) ws.send(JSON.stringify(message));
    for (;;) {
      const received = frames.slice(from);
      if (received.some((frame) => done(JSON.parse(frame) as never))) return received;
      await once(ws, 'message');
    }
  };
  return { ws, frames, binary, exchange };
}

/** Requests in turn, each until its last frame; the same for both peers. */
async function conversation(peer: Peer): Promise<{ frames: string[]; binary: number[] }> {
  const client = await connect(peer.url);
  const ends = (id: number | string) => (frame: { id?: unknown; result?: { type?: string }; error?: unknown }) =>
    frame.id === id && (frame.error !== undefined || frame.result?.type === 'stopped' || (frame.result?.type === 'data' && typeof id === 'number' && id <= 2));
  const input = (value: unknown) => superjson.serialize(value);
  await client.exchange({ id: 1, method: 'query', params: { path: 'ping', input: input({ n: 5 }) } }, ends(1));
  await client.exchange({ id: 2, jsonrpc: '2.0', method: 'query', params: { path: 'ping', input: input({ n: 'five' }) } }, ends(2));
  await client.exchange({ id: 3, method: 'subscription', params: { path: 'events', input: input(undefined) } }, ends(3));
  await client.exchange({ id: 4, jsonrpc: '2.0', method: 'subscription', params: { path: 'events', input: input({}), lastEventId: '9' } }, ends(4));
  await client.exchange({ id: 'five', method: 'subscription', params: { path: 'failing', input: input(undefined) } }, ends('five'));
  const forever = client.exchange(
    { id: 6, method: 'subscription', params: { path: 'forever', input: input(undefined) } },
    (frame) => frame.id === 6 && frame.result?.type === 'data',
  );
  await forever;
  await client.exchange({ id: 6, method: 'subscription.stop' }, ends(6));
  await client.exchange({ id: 7, method: 'query', params: { path: 'nowhere', input: input(undefined) } }, ends(7));
  peer.reconnectAll();
  await client.exchange(null, (frame) => frame.method === 'reconnect');
  client.ws.terminate();
  return { frames: client.frames, binary: client.binary };
}

/** tRPC's frame with a tracked item's `{ id, data }` written data first, as Chorus writes it. */
function dataFirst(frame: string): string {
  const message = JSON.parse(frame) as { result?: { id?: unknown; data?: { json?: { id?: unknown; data?: unknown } } } };
  const json = message.result?.data?.json;
  if (message.result?.id === undefined || !json) return frame;
  message.result.data!.json = { data: json.data, id: json.id };
  return JSON.stringify(message);
}

describe("the transport's contract with tRPC's WebSocket adapter", () => {
  let trpc: Peer;
  let chorus: Peer;
  beforeAll(async () => {
    [trpc, chorus] = await Promise.all([plainTrpc(), chorusTransport()]);
  });
  afterAll(async () => {
    await Promise.all([trpc.close(), chorus.close()]);
  });

  it('sends every frame tRPC sends, byte for byte but for the tracked items’ key order, all as text', async () => {
    const expected = await conversation(trpc);
    const actual = await conversation(chorus);
    expect(actual.binary).toEqual([]);
    expect(actual.frames.length).toBe(expected.frames.length);
    for (const [index, frame] of expected.frames.entries()) expect(actual.frames[index], `frame ${index}`).toBe(dataFirst(frame));
    // The conversation covered what it must: shared, direct and once-only items, errors, stop, resume, reconnect.
    const parsed = expected.frames.map(
      (frame) => JSON.parse(frame) as { id: unknown; result?: { type: string; id?: string }; error?: unknown; method?: string },
    );
    expect(parsed.filter((frame) => frame.id === 3 && frame.result?.type === 'data')).toHaveLength(script().length + 1);
    expect(parsed.filter((frame) => frame.id === 4 && frame.result?.type === 'data')[1]?.result?.id).toBe('10');
    expect(parsed.some((frame) => frame.id === 'five' && frame.error)).toBe(true);
    expect(parsed.some((frame) => frame.id === 2 && frame.error)).toBe(true);
    expect(parsed.some((frame) => frame.id === 6 && frame.result?.type === 'stopped')).toBe(true);
    expect(parsed.at(-1)?.method).toBe('reconnect');
  });
});
