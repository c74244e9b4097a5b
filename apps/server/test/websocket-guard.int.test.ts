import { createTestClient, startTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

// Sockets that never sign in are bounded: a deadline to authenticate, and a cap per address.
// A client's malformed frame is its own mistake: a warning with its reason, not a server error.

let server: TestServer;
const logs: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: { wsAuthTimeoutMs: 600, wsMaxUnauthenticatedPerIp: 3 }, captureLogs: logs });
});
afterAll(async () => {
  await server?.stop();
});

function open(query = '', headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/trpc${query}`, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
const logLines = () => logs.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string });

describe('WebSocket connections that do not sign in', () => {
  it('are closed with 1008 after the deadline, while a signed-in one stays open', async () => {
    const { token } = await createTestClient(server.url).auth.guest.mutate();
    const anonymous = await open();
    const signedIn = await open('?connectionParams=1');
    signedIn.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
    const started = Date.now();
    expect(await closeCode(anonymous)).toBe(1008);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(signedIn.readyState).toBe(WebSocket.OPEN);
    signedIn.close();
  });

  it('waiting for connectionParams that never come counts as not signed in', async () => {
    const silent = await open('?connectionParams=1');
    expect(await closeCode(silent)).toBe(1008);
  });

  it('are refused past the cap for one address, and admitted again once one leaves', async () => {
    const held = await Promise.all([open(), open(), open()]);
    await expect(open()).rejects.toThrow('HTTP 429');
    held[0].terminate();
    await closeCode(held[0]);
    const next = await open();
    for (const socket of [...held, next]) socket.terminate();
  });
});

describe('a malformed frame from a client', () => {
  it('closes its socket with 1007 and is logged as a warning with its reason, not an error', async () => {
    const { token } = await createTestClient(server.url).auth.guest.mutate();
    const socket = await open('?connectionParams=1');
    socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
    const closed = closeCode(socket);
    socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    const invalid = () => logLines().filter((line) => line.reason === 'WS_ERR_INVALID_UTF8');
    await expect.poll(invalid).toHaveLength(1);
    const lines = invalid();
    expect(lines[0]!.level).toBe(40);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
  });
});

describe('a batch over a socket', () => {
  it('carries at most HTTP_MAX_BATCH calls: a bigger one is refused whole, each call answered with an error', async () => {
    const { token } = await createTestClient(server.url).auth.guest.mutate();
    const socket = await open('?connectionParams=1');
    socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
    const answers: Array<{ id: number; error?: { json: { data: { code: string } } }; result?: unknown }> = [];
    socket.on('message', (data) => answers.push(JSON.parse((data as Buffer).toString()) as (typeof answers)[number]));
    const calls = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ id: from + i, method: 'query', params: { path: 'system.ping', input: { json: null } } }));
    socket.send(JSON.stringify(calls(51, 1000)));
    socket.send(JSON.stringify(calls(50, 2000)));
    while (answers.length < 101) await new Promise((resolve) => socket.once('message', resolve));
    const refused = answers.filter((answer) => answer.id < 2000);
    expect(refused).toHaveLength(51);
    expect(refused.every((answer) => answer.error?.json.data.code === 'BAD_REQUEST')).toBe(true);
    expect(answers.filter((answer) => answer.id >= 2000 && answer.result)).toHaveLength(50);
    socket.close();
  });
});
