import { closeChorusClient, isChorusError } from '@chorus/client';
import { createTestClient, startTestServer, TEST_ALLOWED_ORIGIN, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const wsUrl = () => `${server.url.replace('http', 'ws')}/trpc`;

/** Collects `count` clock ticks through the typed client over WebSocket. */
async function ticks(url: string, count: number, intervalMs = 100) {
  const client = createTestClient(url);
  try {
    return await new Promise<Date[]>((resolve, reject) => {
      const seen: Date[] = [];
      const sub = client.system.clock.subscribe(
        { intervalMs },
        {
          onData: (tick) => {
            seen.push(tick.time);
            if (seen.length === count) {
              sub.unsubscribe();
              resolve(seen);
            }
          },
          onError: reject,
        },
      );
    });
  } finally {
    await closeChorusClient(client);
  }
}

/** A raw socket, to send what the typed client never would. */
function rawSocket(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(), { headers });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** A tRPC answer frame, as far as these tests read it (values wrapped by superjson as `json`). */
interface AnswerFrame {
  id: number | string | null;
  result?: { data: { json: Record<string, unknown> } };
  error?: { json: { data: Record<string, unknown> } };
}

function nextMessage(socket: WebSocket): Promise<AnswerFrame> {
  // A socket's binaryType is 'nodebuffer' unless set otherwise: every message is one Buffer.
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse((data as Buffer).toString('utf8')) as AnswerFrame)));
}

describe('WebSocket', () => {
  it('streams system.clock through the typed client', async () => {
    const seen = await ticks(server.url, 3, 100);
    expect(seen.every((time) => time instanceof Date)).toBe(true);
    expect(seen[2]!.getTime() - seen[0]!.getTime()).toBeGreaterThanOrEqual(150);
  });

  it('answers invalid input with BAD_INPUT and the field errors, and keeps the socket serving', async () => {
    const client = createTestClient(server.url);
    try {
      const error = await new Promise<unknown>((resolve) => {
        client.system.clock.subscribe({ intervalMs: 5 }, { onData: () => {}, onError: resolve });
      });
      expect(isChorusError(error, 'BAD_INPUT')).toBe(true);
      if (!isChorusError(error)) throw error;
      expect(error.data?.zodError?.fieldErrors.intervalMs?.[0]).toMatch(/100/);
      const tick = await new Promise((resolve, reject) => {
        const sub = client.system.clock.subscribe({ intervalMs: 100 }, { onData: (t) => (sub.unsubscribe(), resolve(t)), onError: reject });
      });
      expect(tick).toHaveProperty('time');
    } finally {
      await closeChorusClient(client);
    }
  });

  it('closes a socket whose session ended elsewhere at once, with 4401 (every call on it would be refused)', async () => {
    const { token } = await createTestClient(server.url).auth.guest.mutate();
    const socket = await rawSocket({ cookie: `chorus_session=${token}` });
    try {
      const reply = nextMessage(socket);
      socket.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: { json: undefined } } }));
      expect((await reply).result?.data.json.session).toHaveProperty('expiresAt');
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      const started = Date.now();
      await createTestClient(server.url, { token }).auth.logout.mutate();
      expect(await closed).toBe(4401);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      socket.close();
    }
  });

  it('answers a frame that is not JSON with PARSE_ERROR and keeps the connection', async () => {
    const socket = await rawSocket();
    try {
      const reply = nextMessage(socket);
      socket.send('{this is not json');
      const message = await reply;
      expect(message.id).toBeNull();
      expect(message.error?.json.data).toMatchObject({ code: 'PARSE_ERROR', appCode: 'BAD_INPUT' });

      const next = nextMessage(socket);
      socket.send(JSON.stringify({ id: 7, method: 'query', params: { path: 'system.ping', input: { json: undefined } } }));
      const answer = await next;
      expect(answer.id).toBe(7);
      expect(answer.result?.data.json).toHaveProperty('requestId');
    } finally {
      socket.close();
    }
  });

  it('compresses frames for a client that offers permessage-deflate, and speaks plainly to one that does not', async () => {
    const query = JSON.stringify({ id: 1, method: 'query', params: { path: 'system.ping', input: { json: undefined } } });
    for (const offer of [true, false]) {
      let negotiated: string | undefined;
      const socket = await new Promise<WebSocket>((resolve, reject) => {
        const opened = new WebSocket(wsUrl(), { perMessageDeflate: offer });
        opened.once('upgrade', (res) => (negotiated = res.headers['sec-websocket-extensions']));
        opened.once('open', () => resolve(opened));
        opened.once('error', reject);
      });
      try {
        expect(socket.extensions).toBe(offer ? 'permessage-deflate' : '');
        // Asked of every client, offered or not: its inflate stream can then go while it is idle.
        if (offer) expect(negotiated).toContain('client_no_context_takeover');
        const reply = nextMessage(socket);
        socket.send(query);
        expect((await reply).result?.data.json).toHaveProperty('requestId');
      } finally {
        socket.close();
      }
    }
  });

  it('answers an unknown procedure with NOT_FOUND', async () => {
    const socket = await rawSocket();
    try {
      const reply = nextMessage(socket);
      socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'system.nope', input: { json: {} } } }));
      const message = await reply;
      expect(message.id).toBe(1);
      expect(message.error?.json.data).toMatchObject({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
    } finally {
      socket.close();
    }
  });

  it('closes a connection that sends a frame over maxPayload with 1009, and serves others', async () => {
    const socket = await rawSocket();
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('x'.repeat(100 * 1024));
    expect(await closed).toBe(1009);
    expect(await ticks(server.url, 1)).toHaveLength(1);
  });

  it('refuses a WebSocket from an Origin outside the allow-list', async () => {
    await expect(rawSocket({ origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const allowed = await rawSocket({ origin: TEST_ALLOWED_ORIGIN });
    allowed.close();
  });

  it('keeps a subscription alive across a server restart on the same port', async () => {
    const first = await startTestServer();
    const seen: Date[] = [];
    const errors: unknown[] = [];
    let closes = 0;
    let second: TestServer | undefined;
    try {
      const reconnectingClient = createTestClient(first.url, { onSocketClose: () => closes++ });
      const gotTicks = (n: number) =>
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (seen.length >= n) {
              clearInterval(check);
              resolve();
            }
          }, 20);
        });
      const sub = reconnectingClient.system.clock.subscribe(
        { intervalMs: 100 },
        { onData: (tick) => seen.push(tick.time), onError: (error) => errors.push(error) },
      );
      await gotTicks(2);
      await first.stop();
      const countAtRestart = seen.length;
      second = await startTestServer({ config: { port: first.port } });
      await gotTicks(countAtRestart + 2);
      sub.unsubscribe();
      await closeChorusClient(reconnectingClient);
      expect(closes).toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
      expect(seen.at(-1)!.getTime()).toBeGreaterThan(seen[countAtRestart - 1]!.getTime());
    } finally {
      await second?.stop();
    }
  });
});
