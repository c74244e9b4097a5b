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

interface ErrorBody {
  error: { json: { message: string; data: { code: string; appCode: string; httpStatus: number; details: Record<string, unknown> | null } } };
}

const pingBatch = (calls: number) =>
  fetch(`${server.url}/trpc/${Array.from({ length: calls }, () => 'system.ping').join(',')}?batch=1&input=${encodeURIComponent('{}')}`);

const postRaw = (path: string, body: string) => fetch(`${server.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('HTTP batches', () => {
  it('carry up to 50 calls', async () => {
    const response = await pingBatch(50);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Array<{ result?: unknown }>;
    expect(body).toHaveLength(50);
    expect(body.every((entry) => entry.result !== undefined)).toBe(true);
  });

  it('of 51 calls are refused whole with BATCH_TOO_LARGE', async () => {
    const response = await pingBatch(51);
    expect(response.status).toBe(413);
    const body = (await response.json()) as ErrorBody[];
    expect(body).toHaveLength(51);
    for (const entry of body) {
      expect(entry.error.json.data).toMatchObject({ appCode: 'BATCH_TOO_LARGE', code: 'PAYLOAD_TOO_LARGE', details: { maxCalls: 50 } });
    }
  });

  it('the client splits a burst of calls into batches the server takes', async () => {
    const client = createTestClient(server.url);
    const pongs = await Promise.all(Array.from({ length: 120 }, () => client.system.ping.query()));
    expect(pongs).toHaveLength(120);
  });
});

describe('errors that do not come from the app', () => {
  /** superjson metas that make its deserializer throw (a stack overflow for the first two). */
  const badMetas = [{ values: ['class', 'Nope'] }, { values: { login: ['class', 'Nope'] } }, { values: { login: [['custom', 'Nope']] } }];
  const fixedMessage = /^The request (could not be parsed|is not valid)$/;

  it('a superjson meta naming an unregistered class is BAD_INPUT with a fixed message over HTTP', async () => {
    for (const meta of badMetas) {
      const response = await postRaw('auth.login', JSON.stringify({ json: { login: 'ann', password: 'x' }, meta }));
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.json.data.appCode).toBe('BAD_INPUT');
      expect(body.error.json.message).toMatch(fixedMessage);
    }
  });

  it('and over a WebSocket', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      for (const [index, meta] of badMetas.entries()) {
        const answer = new Promise<ErrorBody & { id: number | null }>((resolve) =>
          socket.once('message', (data) => resolve(JSON.parse((data as Buffer).toString()) as ErrorBody & { id: number | null })),
        );
        const input = { json: { login: 'ann', password: 'x' }, meta };
        socket.send(JSON.stringify({ id: index + 1, method: 'mutation', params: { path: 'auth.login', input } }));
        const body = await answer;
        // The whole message fails to parse, so the answer cannot name the call.
        expect(body.id).toBeNull();
        expect(body.error.json.data.appCode).toBe('BAD_INPUT');
        expect(body.error.json.message).toMatch(fixedMessage);
      }
    } finally {
      socket.close();
    }
  });

  it("a body that is not JSON is BAD_INPUT without the parser's words", async () => {
    const response = await postRaw('auth.login', '{"json": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.json.data.appCode).toBe('BAD_INPUT');
    expect(body.error.json.message).toMatch(fixedMessage);
  });

  it("tRPC's own refusals keep their plain message", async () => {
    const wrongMethod = (await (await fetch(`${server.url}/trpc/chat.send`)).json()) as ErrorBody;
    expect(wrongMethod.error.json.data.appCode).toBe('BAD_INPUT');
    expect(wrongMethod.error.json.message).toMatch(/mutation/i);
    const unknown = (await (await fetch(`${server.url}/trpc/chat.nothing`)).json()) as ErrorBody;
    expect(unknown.error.json.data.appCode).toBe('NOT_FOUND');
    expect(unknown.error.json.message).toContain('chat.nothing');
  });
});

describe('Origin', () => {
  const evil = { origin: 'https://evil.example' };

  it('is checked on every route but the health checks', async () => {
    for (const path of ['/trpc/system.ping', '/ai/images/1', '/files/abc', '/elsewhere']) {
      const response = await fetch(`${server.url}${path}`, { headers: evil });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
    }
    expect((await fetch(`${server.url}/healthz`, { headers: evil })).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`, { headers: evil })).status).toBe(200);
  });

  it('lets requests without an Origin or from an allowed one through', async () => {
    for (const headers of [{}, { origin: TEST_ALLOWED_ORIGIN }] as Array<Record<string, string>>) {
      expect((await fetch(`${server.url}/ai/images/1`, { headers })).status).toBe(404);
      expect((await fetch(`${server.url}/trpc/system.ping`, { headers })).status).toBe(200);
    }
  });
});
