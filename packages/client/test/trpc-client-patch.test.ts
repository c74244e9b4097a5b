// patches/@trpc__client@11.25.2.patch: @trpc/client sends the calls queued in one turn of the
// event loop from a setImmediate callback, not from setTimeout(0), which Node clamps to 1 ms.
// The tests tell the two apart without timing anything: called from an I/O callback, Node runs
// every setImmediate callback queued there before any timer (a timer is at best due in the next
// turn), so a callback queued right after the call runs after the patched send and before the
// unpatched one, however busy the machine is. patches/README.md describes the patch.
import { stat } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import { initTRPC } from '@trpc/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

const t = initTRPC.create();
const router = t.router({ ping: t.procedure.query(() => 'pong') });
type Router = typeof router;

/** Resolves from an I/O callback: the code after `await` runs in the poll phase of the event loop. */
function inIoCallback(): Promise<void> {
  return new Promise((resolve, reject) => stat(import.meta.filename, (error) => (error ? reject(error) : resolve())));
}

/** Whether `sent()` is true once the setImmediate callbacks queued before this call have run. */
function afterQueuedImmediates(sent: () => boolean): Promise<boolean> {
  return new Promise((resolve) => setImmediate(() => resolve(sent())));
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('@trpc/client patch: a batch goes out without waiting for a 1 ms timer', () => {
  it('httpBatchLink calls fetch before a setImmediate callback queued after the call runs', async () => {
    const fetched: string[] = [];
    const client = createTRPCClient<Router>({
      links: [
        httpBatchLink({
          url: 'http://127.0.0.1:9/trpc',
          fetch: async (url) => {
            fetched.push(String(url));
            return new Response(JSON.stringify([{ result: { data: 'pong' } }]), { headers: { 'content-type': 'application/json' } });
          },
        }),
      ],
    });

    await inIoCallback();
    const answer = client.ping.query();
    expect(fetched).toEqual([]);
    const sentFirst = await afterQueuedImmediates(() => fetched.length === 1);
    expect(await answer).toBe('pong');
    expect(sentFirst).toBe(true);
  });

  it('calls made in the same turn still go out as one HTTP batch', async () => {
    const fetched: string[] = [];
    const client = createTRPCClient<Router>({
      links: [
        httpBatchLink({
          url: 'http://127.0.0.1:9/trpc',
          fetch: async (url) => {
            fetched.push(String(url));
            const answers = [{ result: { data: 'pong' } }, { result: { data: 'pong' } }, { result: { data: 'pong' } }];
            return new Response(JSON.stringify(answers), { headers: { 'content-type': 'application/json' } });
          },
        }),
      ],
    });

    await inIoCallback();
    expect(await Promise.all([client.ping.query(), client.ping.query(), client.ping.query()])).toEqual(['pong', 'pong', 'pong']);
    expect(fetched).toHaveLength(1);
    expect(new URL(fetched[0]!).pathname).toBe('/trpc/ping,ping,ping');
  });

  it('wsLink writes the call to an open socket before a setImmediate callback queued after the call runs', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const received: unknown[] = [];
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const messages = [JSON.parse(String(data))].flat() as Array<{ id: number }>;
        received.push(...messages);
        for (const { id } of messages) socket.send(JSON.stringify({ id, result: { type: 'data', data: 'pong' } }));
      });
    });

    const written: string[] = [];
    class RecordingWebSocket extends WebSocket {
      override send(data: string): void {
        written.push(data);
        super.send(data);
      }
    }
    const { port } = server.address() as AddressInfo;
    let wsClient!: ReturnType<typeof createWSClient>;
    await new Promise<void>((resolve) => {
      wsClient = createWSClient({ url: `ws://127.0.0.1:${port}`, WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket, onOpen: resolve });
    });
    cleanups.push(() => wsClient.close());
    const client = createTRPCClient<Router>({ links: [wsLink({ client: wsClient })] });

    await inIoCallback();
    const answer = client.ping.query();
    expect(written).toEqual([]);
    const sentFirst = await afterQueuedImmediates(() => written.length === 1);
    expect(await answer).toBe('pong');
    expect(sentFirst).toBe(true);
    expect(received).toEqual([{ id: 1, method: 'query', params: { path: 'ping', input: undefined } }]);
  });
});
