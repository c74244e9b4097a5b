import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, EgressRefusedError } from './ssrf-guard';

let server: Server;
let port = 0;
const seen: Array<{ url: string | undefined; contentType: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ url: req.url, contentType: req.headers['content-type'], body });
      if (req.url === '/hop') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          req.url === '/v1/models' ? { object: 'list', data: [{ id: 'local-model', object: 'model', created: 0, owned_by: 'me' }] } : { ok: true },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allowed = createGuardedFetch({ allowPrivateNetworks: true }, { connectTimeoutMs: 2_000 });
const refused = createGuardedFetch({ allowPrivateNetworks: false }, { connectTimeoutMs: 2_000 });

async function refusal(promise: Promise<unknown>): Promise<EgressRefusedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EgressRefusedError);
  expect((error as Error).message).toMatch(/address is not allowed/);
  return error as EgressRefusedError;
}

describe('createGuardedFetch', () => {
  it('reaches a local server when private networks are allowed, by IP and by name', async () => {
    const byIp = await allowed(`http://127.0.0.1:${port}/`);
    expect(await byIp.json()).toEqual({ ok: true });
    const byName = await allowed(new URL(`http://localhost:${port}/named`));
    expect(byName.status).toBe(200);
    await byName.arrayBuffer();
  });

  it('refuses a literal loopback IP when private networks are not allowed', async () => {
    const error = await refusal(refused(`http://127.0.0.1:${port}/`));
    expect(error.addressClass).toBe('loopback');
    await refusal(refused(`http://[::1]:${port}/`));
  });

  it('refuses a name that resolves to loopback, at connect time', async () => {
    const before = seen.length;
    const error = await refusal(refused(`http://localhost:${port}/`));
    expect(error.hostname).toBe('localhost');
    expect(error.address).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(error.message).not.toContain(error.address);
    expect(seen.length).toBe(before);
  });

  it('checks the targets of redirects too, and metadata even when private networks are allowed', async () => {
    const error = await refusal(allowed(`http://127.0.0.1:${port}/hop`));
    expect(error.addressClass).toBe('metadata');
  });

  it('refuses non-HTTP URLs, which undici would otherwise serve itself', async () => {
    await expect(allowed('data:text/plain,hello')).rejects.toThrow(/data: URLs are not allowed/);
  });

  it('sends Node global FormData bodies and Request inputs intact', async () => {
    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob(['hello']), 'a.txt');
    await (await allowed(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: form })).arrayBuffer();
    const upload = seen.at(-1);
    expect(upload?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.body).toContain('hello');

    await (await allowed(new Request(`http://127.0.0.1:${port}/req`, { method: 'POST', body: 'payload' }))).arrayBuffer();
    expect(seen.at(-1)).toMatchObject({ url: '/req', body: 'payload' });
  });

  it('works as the OpenAI SDK fetch: allowed calls succeed, refused ones are connection errors', async () => {
    const ok = new OpenAI({ apiKey: 'k', baseURL: `http://127.0.0.1:${port}/v1`, fetch: allowed, maxRetries: 0 });
    const models = await ok.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['local-model']);

    const blocked = new OpenAI({ apiKey: 'k', baseURL: `http://127.0.0.1:${port}/v1`, fetch: refused, maxRetries: 0 });
    const error = await blocked.models.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((error as Error).cause).toBeInstanceOf(EgressRefusedError);
  });
});
