// The web app served by the API's own server, and the Origin rule that lets it in: its own
// origin is allowed on every route without configuration, foreign ones are not.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const INDEX = `<!doctype html><html><head><script type="module" crossorigin src="/assets/index-B2x9.js"></script></head><body><div id="root"></div>${' '.repeat(600)}</body></html>`;
const SCRIPT = `export const app = ${JSON.stringify('chorus '.repeat(300))};`;
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

let webRoot: string;
let a: MailedTestServer;
let ann: TestAccount;
let host: string;

beforeAll(async () => {
  webRoot = await mkdtemp(path.join(tmpdir(), 'chorus-web-'));
  await mkdir(path.join(webRoot, 'assets'));
  await writeFile(path.join(webRoot, 'index.html'), INDEX);
  await writeFile(path.join(webRoot, 'assets', 'index-B2x9.js'), SCRIPT);
  a = await startMailedTestServer({ config: { webRoot } });
  ann = await a.accounts.register('ann');
  host = new URL(a.server.url).host;
});
afterAll(async () => {
  await a?.stop();
  await rm(webRoot, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request with any Host header (fetch will not forge one) and the body left encoded. */
function raw(pathname: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(a.server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: pathname, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${a.server.url.replace(/^http/, 'ws')}/trpc`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('the web app at /', () => {
  it('serves index.html at / and at deep links, with its CSP, never cached', async () => {
    for (const page of ['/', '/chat/123', '/rooms/9/watch?t=3']) {
      const response = await fetch(`${a.server.url}${page}`, { headers: html });
      expect(response.status, page).toBe(200);
      expect(await response.text()).toBe(INDEX);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/);
      expect(response.headers.get('permissions-policy')).toContain('microphone=(self)');
    }
  });

  it('serves hashed assets immutable, brotli or gzip as asked', async () => {
    const br = await raw('/assets/index-B2x9.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    const gz = await raw('/assets/index-B2x9.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    const revalidated = await raw('/assets/index-B2x9.js', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! });
    expect(revalidated.status).toBe(304);
    expect((await fetch(`${a.server.url}/assets/missing.js`, { headers: html })).status).toBe(404);
  });

  it('leaves the API where it was: tRPC, files, AI images and health checks never answer with the app', async () => {
    const pong = await fetch(`${a.server.url}/trpc/system.ping`, { headers: html });
    expect(pong.status).toBe(200);
    expect(pong.headers.get('content-type')).toMatch(/application\/json/);
    for (const apiPath of ['/trpc/system.nothingHere', '/files/not-a-file', '/ai/images/nope', '/trpc']) {
      const response = await fetch(`${a.server.url}${apiPath}`, { headers: html });
      expect(response.status, apiPath).toBeGreaterThanOrEqual(400);
      expect(await response.text(), apiPath).not.toContain('<div id="root">');
    }
    expect((await fetch(`${a.server.url}/`, { method: 'POST', headers: html })).status).toBe(404);
    // The app's own image page shares the images' prefix without its slash.
    expect(await (await fetch(`${a.server.url}/ai/images`, { headers: html })).text()).toContain('<div id="root">');
  });
});

describe('the server’s own origin', () => {
  it('is allowed on HTTP, WebSocket and /files without being in PUBLIC_ORIGINS', async () => {
    const origin = a.server.url;
    const me = await fetch(`${origin}/trpc/auth.me`, { headers: { origin, cookie: `chorus_session=${ann.token}` } });
    expect(me.status).toBe(200);

    const ws = await socket({ origin, cookie: `chorus_session=${ann.token}` });
    ws.close();

    const created = await fetch(`${origin}/files/`, {
      method: 'POST',
      headers: { origin, cookie: `chorus_session=${ann.token}`, 'tus-resumable': '1.0.0', 'upload-length': '3' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('does not extend to other hosts or ports: those are refused with 403 everywhere', async () => {
    const { port } = new URL(a.server.url);
    for (const origin of ['http://evil.example', `http://localhost:${port}`, `http://127.0.0.1:${Number(port) + 1}`]) {
      const session = { origin, cookie: `chorus_session=${ann.token}` };
      expect((await fetch(`${a.server.url}/trpc/auth.me`, { headers: session })).status, origin).toBe(403);
      await expect(socket(session)).rejects.toThrow('HTTP 403');
      expect((await fetch(`${a.server.url}/files/`, { method: 'OPTIONS', headers: session })).status, origin).toBe(403);
      // A Host that names this server does not make a foreign Origin its own.
      expect((await raw('/trpc/system.ping', { ...session, host })).status).toBe(403);
    }
  });

  it('under DNS rebinding is the attacker’s host name, whose requests carry no session', async () => {
    // A page of evil.example whose name now resolves to this server: Origin and Host agree, so it
    // is let in. The browser sends it the cookies of evil.example only, never the ones it keeps for
    // this server's real name, so it calls anonymously, as any script without an Origin can.
    const rebound = { origin: 'http://evil.example:3000', host: 'evil.example:3000' };
    expect((await raw('/trpc/system.ping', rebound)).status).toBe(200);
    const me = await raw('/trpc/auth.me', rebound);
    expect(me.status).toBe(401);
    expect(me.body.toString()).toContain('UNAUTHORIZED');
    await expect(socket(rebound).then((ws) => ws.close())).resolves.toBeUndefined();
  });
});
