import { createTestClient, startTestServer, TEST_ALLOWED_ORIGIN, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('HTTP', () => {
  it('answers system.ping through the typed client', async () => {
    const client = createTestClient(server.url);
    const before = Date.now();
    const pong = await client.system.ping.query();
    expect(pong.time).toBeInstanceOf(Date);
    expect(pong.time.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(pong.time.getTime()).toBeLessThanOrEqual(Date.now() + 5);
    expect(pong.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the request id it reports in a response header, and batches calls', async () => {
    const response = await fetch(`${server.url}/trpc/system.ping,system.ping?batch=1&input=${encodeURIComponent('{}')}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Array<{ result: { data: { json: { requestId: string } } } }>;
    expect(body).toHaveLength(2);
    expect(body[0]!.result.data.json.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('reports liveness and readiness', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  });

  it('answers an unknown procedure with NOT_FOUND and a typed app code', async () => {
    const response = await fetch(`${server.url}/trpc/system.nothingHere`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { json: { data: { appCode: string; code: string } } } };
    expect(body.error.json.data).toMatchObject({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
  });

  it('refuses requests from an Origin outside the allow-list and serves allowed ones with CORS', async () => {
    const refused = await fetch(`${server.url}/trpc/system.ping`, { headers: { origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);

    const allowed = await fetch(`${server.url}/trpc/system.ping`, { headers: { origin: TEST_ALLOWED_ORIGIN } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);

    const preflight = await fetch(`${server.url}/trpc/system.ping`, {
      method: 'OPTIONS',
      headers: { origin: TEST_ALLOWED_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('treats an invalid bearer token as anonymous on public procedures', async () => {
    const client = createTestClient(server.url, { token: 'not-a-real-token' });
    await expect(client.system.ping.query()).resolves.toHaveProperty('requestId');
  });

  it('reports 503 from /readyz naming Redis when Redis is down', async () => {
    const own = await startTestServer();
    try {
      await own.redisService!.stop();
      const response = await fetch(`${own.url}/readyz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: { database: string; redis: string } };
      expect(body.status).toBe('unavailable');
      expect(body.checks.database).toBe('ok');
      expect(body.checks.redis).toMatch(/^unavailable/);
      // Still alive, and still answering what does not need Redis.
      expect((await fetch(`${own.url}/healthz`)).status).toBe(200);
      await expect(createTestClient(own.url).system.ping.query()).resolves.toHaveProperty('time');
    } finally {
      await own.stop();
    }
  });
});
