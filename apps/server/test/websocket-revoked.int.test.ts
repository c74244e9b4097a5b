// A socket keeps the session it connected with. When that session ends (signed out, revoked,
// banned; on any instance), its subscriptions fail with UNAUTHORIZED and then the socket is
// closed with 4401, counted as chorus_ws_closed_total{reason="revoked"}. Sockets live on
// instance B; the sessions end on instance A.
import { appCodeOf, closeChorusClient, isChorusError, SESSION_ENDED_CLOSE_CODE } from '@chorus/client';
import {
  createTestClient,
  metricValue,
  scrapeMetrics,
  startMailedTestServer,
  startTestServer,
  TEST_PASSWORD,
  type MailedTestServer,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

let a: MailedTestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startMailedTestServer();
  b = await startTestServer({ metrics: true, database: a.server.database, redisUrl: a.server.redisService!.url });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const login = (username: string) => a.accounts.anon().auth.login.mutate({ login: username, password: TEST_PASSWORD });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function revokedCloses(): Promise<number> {
  return metricValue(await scrapeMetrics(b.metricsUrl!), 'chorus_ws_closed_total', { reason: 'revoked' }) ?? 0;
}

/** A tRPC answer frame, as far as these tests read it (values wrapped by superjson as `json`). */
interface Frame {
  id?: unknown;
  result?: { type?: string };
  error?: { json: { data: { appCode?: string } } };
}

/** A raw socket on B signed in with `token`, recording every frame and the close, in order. */
async function rawSignedIn(token: string) {
  const socket = new WebSocket(`${b.url.replace('http', 'ws')}/trpc?connectionParams=1`);
  const seen: Array<{ frame: Frame } | { close: number; reason: string }> = [];
  socket.on('message', (data) => seen.push({ frame: JSON.parse((data as Buffer).toString('utf8')) as Frame }));
  const closed = new Promise<void>((resolve) => socket.once('close', (code, reason) => (seen.push({ close: code, reason: reason.toString() }), resolve())));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
  return { socket, seen, closed };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

describe('a socket whose session ends', () => {
  it('is closed with 4401 after its subscriptions got their UNAUTHORIZED error frames, and counted as revoked', async () => {
    await a.accounts.register('rev_ann');
    const { token } = await login('rev_ann');
    const { socket, seen, closed } = await rawSignedIn(token);
    socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'auth.watchSession', input: {} } }));
    socket.send(JSON.stringify({ id: 2, method: 'subscription', params: { path: 'events.subscribe', input: {} } }));
    await until(() => seen.filter((entry) => 'frame' in entry && entry.frame.result?.type === 'data').length >= 1);
    const before = await revokedCloses();

    await createTestClient(a.server.url, { token }).auth.logout.mutate();
    await closed;

    const errors = seen.filter((entry) => 'frame' in entry && entry.frame.error).map((entry) => ('frame' in entry ? entry.frame : null));
    expect(errors.map((frame) => [frame?.id, frame?.error?.json.data.appCode]).sort()).toEqual([
      [1, 'UNAUTHORIZED'],
      [2, 'UNAUTHORIZED'],
    ]);
    // The close comes last, after both error frames.
    expect(seen.at(-1)).toEqual({ close: SESSION_ENDED_CLOSE_CODE, reason: 'session ended' });
    expect(SESSION_ENDED_CLOSE_CODE).toBe(4401);
    await until(async () => (await revokedCloses()) === before + 1);
  });

  it('closes only the sockets of the session that ended', async () => {
    await a.accounts.register('rev_bea');
    const [ended, kept] = [await login('rev_bea'), await login('rev_bea')];
    const first = await rawSignedIn(ended.token);
    const second = await rawSignedIn(kept.token);
    for (const { socket } of [first, second]) socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'auth.watchSession', input: {} } }));
    await until(() => [first, second].every(({ seen }) => seen.some((entry) => 'frame' in entry && entry.frame.result?.type === 'data')));

    const sessions = await createTestClient(a.server.url, { token: kept.token }).auth.sessions.list.query();
    await createTestClient(a.server.url, { token: kept.token }).auth.sessions.revoke.mutate({ sessionId: sessions.find((s) => !s.current)!.id });
    await first.closed;
    expect(first.seen.at(-1)).toMatchObject({ close: 4401 });
    await sleep(300);
    expect(second.socket.readyState).toBe(WebSocket.OPEN);
    second.socket.close();
  });

  it('lets the typed client see the error, then the close, without reconnecting; a new sign-in gets a working socket', async () => {
    const admin = await a.accounts.register('rev_admin');
    await a.server.deps.db.$client.query("UPDATE users SET role = 'admin' WHERE id = ?", [admin.id]);
    await a.server.deps.revocations.publishUserChanged(admin.id);
    const cleo = await a.accounts.register('rev_cleo');
    let token = cleo.token;
    const order: string[] = [];
    const client = createTestClient(b.url, {
      getToken: () => token,
      calls: 'websocket',
      onSocketOpen: () => order.push('open'),
      onSocketClose: (cause) => order.push(`close ${cause?.code}`),
    });
    try {
      const ended = new Promise<unknown>((resolve) => {
        const onError = (error: unknown) => (order.push('subscription failed'), resolve(error));
        client.events.subscribe.subscribe(undefined, { onData: () => {}, onError, onComplete: () => resolve('completed') });
      });
      await until(() => order.includes('open'));
      expect((await client.chat.list.query({ limit: 10 })).items).toEqual([]);

      // Banned on A, and unbanned: the ban ended every session, including the socket's.
      await admin.client.admin.users.ban.mutate({ userId: cleo.id, reason: 'test' });
      expect(appCodeOf(await ended)).toBe('UNAUTHORIZED');
      await until(() => order.includes(`close ${SESSION_ENDED_CLOSE_CODE}`));
      expect(order).toEqual(['open', 'subscription failed', 'close 4401']);
      // Nothing left to resume: the client does not reconnect on its own.
      await sleep(1500);
      expect(order.filter((entry) => entry === 'open')).toHaveLength(1);
      // A call with the old token opens a socket once more and is refused.
      const refused = await client.chat.list.query({ limit: 10 }).catch((error: unknown) => error);
      expect(isChorusError(refused, 'UNAUTHORIZED')).toBe(true);
      expect(order.filter((entry) => entry === 'open')).toHaveLength(2);

      await admin.client.admin.users.unban.mutate({ userId: cleo.id });
      token = (await login('rev_cleo')).token;
      const event = new Promise((resolve, reject) => {
        const sub = client.auth.watchSession.subscribe(undefined, { onData: (data) => (sub.unsubscribe(), resolve(data)), onError: reject });
      });
      expect(await event).toHaveProperty('sessionId');
      expect((await client.chat.list.query({ limit: 10 })).items).toEqual([]);
      expect(order.filter((entry) => entry === 'open')).toHaveLength(3);
    } finally {
      await closeChorusClient(client);
    }
  });
});
