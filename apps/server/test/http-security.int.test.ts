// Headers every response carries (nosniff, Referrer-Policy, HSTS over HTTPS only), CORS
// preflights for allowed origins only, and uploads that could run script (HTML, SVG) served so
// they never run in the app's origin.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startMailedTestServer,
  startTestServer,
  TEST_ALLOWED_ORIGIN,
  uploadWithTus,
  noisePng,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentWav } from './wav-fixture';

const EVIL = 'https://evil.example';
const ATTACHMENT_POLICY = "default-src 'none'; sandbox";

let webRoot: string;
let a: MailedTestServer;
let proxied: TestServer;
let ann: TestAccount;

beforeAll(async () => {
  webRoot = await mkdtemp(path.join(tmpdir(), 'chorus-web-'));
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><html><body><div id="root"></div></body></html>');
  a = await startMailedTestServer({ config: { webRoot } });
  // The same database behind a server that trusts its reverse proxy's X-Forwarded-* headers.
  proxied = await startTestServer({ database: a.server.database, config: { trustProxy: true } });
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await proxied?.stop();
  await a?.stop();
  await rm(webRoot, { recursive: true, force: true });
});

const send = (path: string, init: RequestInit = {}, url = a.server.url) => fetch(`${url}${path}`, init);
const asAnn = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${ann.token}`, ...extra });
const upload = (data: Buffer, filename: string, filetype: string) =>
  uploadWithTus(a.server.url, data, { token: ann.token, filename, filetype }).then((result) => result.fileId);

describe('every HTTP response', () => {
  it('carries nosniff and Referrer-Policy, whichever route or error answers', async () => {
    const fileId = await upload(noisePng(8, 8), 'dot.png', 'image/png');
    const download = await send(`/files/${fileId}`, { headers: asAnn() });
    const answers: Array<[string, Response]> = [
      ['tRPC', await send('/trpc/system.ping')],
      ['tRPC error', await send('/trpc/system.nothingHere')],
      ['health', await send('/healthz')],
      ['readiness', await send('/readyz')],
      ['web app', await send('/chat/1', { headers: { accept: 'text/html' } })],
      ['API 404', await send('/trpc')],
      ['missing asset', await send('/assets/missing.js')],
      ['refused origin', await send('/trpc/system.ping', { headers: { origin: EVIL } })],
      ['tRPC preflight', await send('/trpc/system.ping', { method: 'OPTIONS', headers: { origin: TEST_ALLOWED_ORIGIN } })],
      ['files preflight', await send('/files/', { method: 'OPTIONS', headers: { origin: TEST_ALLOWED_ORIGIN } })],
      ['upload refused', await send('/files/', { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1' } })],
      ['download', download],
      ['download 304', await send(`/files/${fileId}`, { headers: asAnn({ 'if-none-match': download.headers.get('etag')! }) })],
      ['download 404', await send(`/files/${'x'.repeat(24)}`, { headers: asAnn() })],
      ['files 405', await send(`/files/${fileId}`, { method: 'PUT', headers: asAnn() })],
      ['AI image 404', await send('/ai/images/1', { headers: asAnn() })],
    ];
    for (const [route, response] of answers) {
      await response.arrayBuffer();
      expect({ route, nosniff: response.headers.get('x-content-type-options'), referrer: response.headers.get('referrer-policy') }).toEqual({
        route,
        nosniff: 'nosniff',
        referrer: 'same-origin',
      });
      // Plain HTTP without a trusted proxy: never HSTS.
      expect({ route, hsts: response.headers.get('strict-transport-security') }).toEqual({ route, hsts: null });
    }
  });
});

describe('Strict-Transport-Security', () => {
  const hstsOf = async (url: string, headers: Record<string, string>) => (await send('/healthz', { headers }, url)).headers.get('strict-transport-security');

  it('is sent behind a trusted proxy that says the browser used HTTPS', async () => {
    expect(await hstsOf(proxied.url, { 'x-forwarded-proto': 'https' })).toBe('max-age=31536000; includeSubDomains');
    // A chain of proxies: the first value is the browser's side.
    expect(await hstsOf(proxied.url, { 'x-forwarded-proto': 'HTTPS, http' })).toBe('max-age=31536000; includeSubDomains');
    const onError = await send('/nowhere', { headers: { 'x-forwarded-proto': 'https' } }, proxied.url);
    expect(onError.status).toBe(404);
    expect(onError.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('is not sent for plain HTTP, nor on the word of an untrusted client', async () => {
    expect(await hstsOf(proxied.url, {})).toBeNull();
    expect(await hstsOf(proxied.url, { 'x-forwarded-proto': 'http' })).toBeNull();
    expect(await hstsOf(proxied.url, { 'x-forwarded-proto': 'http, https' })).toBeNull();
    // Without TRUST_PROXY anyone can send the header: it is ignored.
    expect(await hstsOf(a.server.url, { 'x-forwarded-proto': 'https' })).toBeNull();
  });
});

describe('CORS preflight', () => {
  const preflight = (path: string, origin: string, method: string, headers: string) =>
    send(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('answers an allowed origin with what tRPC needs', async () => {
    const response = await preflight('/trpc/chat.send', TEST_ALLOWED_ORIGIN, 'POST', 'authorization, content-type, trpc-accept');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    for (const header of ['authorization', 'content-type', 'trpc-accept']) expect(response.headers.get('access-control-allow-headers')).toContain(header);
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('answers an allowed origin with what tus needs, and exposes tus headers on uploads', async () => {
    const response = await preflight('/files/', TEST_ALLOWED_ORIGIN, 'PATCH', 'tus-resumable, upload-offset, content-type');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);
    expect(response.headers.get('vary')).toBe('Origin');
    const methods = response.headers.get('access-control-allow-methods')!.split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']));
    const allowed = response.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'upload-defer-length']),
    );

    const created = await send('/files/', {
      method: 'POST',
      headers: asAnn({ origin: TEST_ALLOWED_ORIGIN, 'tus-resumable': '1.0.0', 'upload-length': '4', 'upload-metadata': `filename ${btoa('a.txt')}` }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);
    const exposed = created.headers.get('access-control-expose-headers')!.toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['location', 'upload-offset', 'upload-length', 'tus-resumable']));
  });

  it('refuses any other origin with 403 and no CORS headers', async () => {
    for (const [path, method] of [
      ['/trpc/chat.send', 'POST'],
      ['/files/', 'POST'],
      ['/files/abcdefghijklmnopqrstuvwx', 'PATCH'],
    ] as const) {
      for (const origin of [EVIL, 'null', `${TEST_ALLOWED_ORIGIN}.evil.example`]) {
        const response = await preflight(path, origin, method, 'authorization');
        expect({ path, origin, status: response.status }).toEqual({ path, origin, status: 403 });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        expect(response.headers.get('access-control-allow-methods')).toBeNull();
        expect(response.headers.get('vary')).toBe('Origin');
      }
    }
  });

  it('marks API answers without an Origin as varying by it, so a cache cannot serve them to a page', async () => {
    expect((await send('/trpc/system.ping')).headers.get('vary')).toMatch(/(^|, )Origin(,|$)/);
    expect((await send('/trpc/system.ping', { headers: { origin: TEST_ALLOWED_ORIGIN } })).headers.get('vary')).toMatch(/(^|, )Origin(,|$)/);
  });
});

describe('downloads of files that could run', () => {
  it.each([
    { name: 'page.html', type: 'text/html', body: '<!doctype html><html><body><script>fetch("/trpc/account.me")</script></body></html>' },
    { name: 'drawing.svg', type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>' },
    { name: 'Отчёт "Q3".html', type: 'text/html', body: '<html><body onload="alert(1)"></body></html>' },
  ])('$name is an opaque, sandboxed attachment under its own name', async ({ name, type, body }) => {
    const fileId = await upload(Buffer.from(body), name, type);
    const signed = (await ann.client.files.link.mutate({ fileId })).url;
    // By session, and by the signed link a player or a new tab opens without headers.
    for (const [path, init] of [
      [`/files/${fileId}`, { headers: asAnn() }],
      [signed, {}],
    ] as const) {
      const response = await send(path, init);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe(ATTACHMENT_POLICY);
      const disposition = response.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''[\w.%!~-]+$/);
      // The exact name comes back from filename* (RFC 8187); the quoted fallback is plain ASCII.
      expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe(name);
      expect(await response.text()).toBe(body);
    }
  });

  it('names a non-ASCII file by filename* with an ASCII fallback', async () => {
    const fileId = await upload(Buffer.from('<html></html>'), 'Отчёт "Q3".html', 'text/html');
    const response = await send(`/files/${fileId}`, { headers: asAnn() });
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="_____ _Q3_.html"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22Q3%22.html`,
    );
  });
});

describe('downloads the app shows inline', () => {
  it('images are inline and sandboxed; their viewer may only style itself', async () => {
    const fileId = await upload(noisePng(16, 16), 'photo.png', 'image/png');
    for (const path of [`/files/${fileId}`, `/files/${fileId}/thumbnail`]) {
      const response = await send(path, { headers: asAnn() });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\/(png|webp)$/);
      expect(response.headers.get('content-disposition')).toMatch(/^inline; /);
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
    }
  });

  it('video and audio are inline; their viewer may load the media itself and nothing else', async () => {
    const fileId = await upload(silentWav(800), 'beep.wav', 'audio/wav');
    const response = await send(`/files/${fileId}`, { headers: asAnn() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^audio\//);
    expect(response.headers.get('content-disposition')).toBe(`inline; filename="beep.wav"; filename*=UTF-8''beep.wav`);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  });
});
