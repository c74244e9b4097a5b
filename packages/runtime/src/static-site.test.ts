import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from './accept-encoding';
import { createStaticSite, decodeSegments, type StaticSite } from './static-site';

let base: string;
let site: StaticSite;
let server: Server;
let port: number;
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/app-3f2a.js"></script></head><body>${'<div></div>'.repeat(100)}</body></html>`;
const SCRIPT = `console.log(${JSON.stringify('chorus '.repeat(200))});`;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'chorus-static-'));
  const root = path.join(base, 'dist');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), INDEX);
  await writeFile(path.join(root, 'assets', 'app-3f2a.js'), SCRIPT);
  const files: Record<string, string> = {
    'style.css': 'body{}',
    'logo.svg': '<svg/>',
    'pic.png': 'png',
    'font.woff2': 'woff2',
    'data.json': '{}',
    'favicon.ico': 'ico',
    'manifest.webmanifest': '{}',
    'app.js.map': '{}',
    'mod.wasm': 'wasm',
    'robots.txt': 'User-agent: *',
    'blob.bin': 'bin',
  };
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(root, name), body);
  await writeFile(path.join(root, '.env'), 'SECRET=1');
  await writeFile(path.join(base, 'secret.txt'), 'outside the root');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  await symlink(base, path.join(root, 'up'));
  await writeFile(path.join(root, 'assets', 'chunk-9c1d.js'), SCRIPT.replace('chorus', 'chunk'));
  site = await createStaticSite(root);
  server = createServer((req, res) => void site.serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(base, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: the path is sent as written (no normalisation) and the body is not decoded. */
function get(rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('the static site', () => {
  it('serves index.html at / with security headers and no-cache', async () => {
    const answer = await get('/', html);
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(INDEX);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('same-origin');
    expect(answer.headers['permissions-policy']).toContain('camera=(self)');
  });

  it('answers HTML navigations to client-side routes with index.html, and nothing else', async () => {
    for (const route of ['/chat/123', '/rooms/7/', '/settings?tab=ai']) {
      const answer = await get(route, html);
      expect(answer.status, route).toBe(200);
      expect(answer.body.toString()).toBe(INDEX);
    }
    // Not a navigation (fetch, script), or a path with an extension, or under /assets/: 404.
    expect((await get('/chat/123', { accept: 'application/json' })).status).toBe(404);
    expect((await get('/chat/123')).status).toBe(404);
    expect((await get('/missing.js', html)).status).toBe(404);
    const missingAsset = await get('/assets/missing.js', html);
    expect(missingAsset.status).toBe(404);
    expect(missingAsset.headers['cache-control']).toBe('no-store');
    expect((await get('/assets/chunk', html)).status).toBe(404);
  });

  it('serves hashed assets as immutable, other files revalidated, each with its content type', async () => {
    const asset = await get('/assets/app-3f2a.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['content-security-policy']).toBeUndefined();
    const types: Record<string, string> = {
      '/style.css': 'text/css; charset=utf-8',
      '/logo.svg': 'image/svg+xml',
      '/pic.png': 'image/png',
      '/font.woff2': 'font/woff2',
      '/data.json': 'application/json; charset=utf-8',
      '/favicon.ico': 'image/x-icon',
      '/manifest.webmanifest': 'application/manifest+json; charset=utf-8',
      '/app.js.map': 'application/json; charset=utf-8',
      '/mod.wasm': 'application/wasm',
      '/robots.txt': 'text/plain; charset=utf-8',
      '/blob.bin': 'application/octet-stream',
    };
    for (const [file, type] of Object.entries(types)) {
      const answer = await get(file);
      expect(answer.status, file).toBe(200);
      expect(answer.headers['content-type'], file).toBe(type);
      expect(answer.headers['cache-control'], file).toBe('no-cache');
      expect(answer.headers['x-content-type-options'], file).toBe('nosniff');
    }
  });

  it('compresses with brotli or gzip as the client asks, computed once, with Vary', async () => {
    const br = await get('/assets/app-3f2a.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 4);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);

    const gz = await get('/assets/app-3f2a.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    expect((await get('/assets/app-3f2a.js', { 'accept-encoding': 'gzip' })).body.equals(gz.body)).toBe(true);

    const plain = await get('/assets/app-3f2a.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('accept-encoding');
    expect(plain.body.toString()).toBe(SCRIPT);
    // Already-compressed formats and tiny files are sent as they are.
    expect((await get('/pic.png', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
    expect((await get('/style.css', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
  });

  it('reads and compresses a file once when its first requests arrive together', async () => {
    const before = { ...site.stats };
    const answers = await Promise.all(Array.from({ length: 8 }, () => get('/assets/chunk-9c1d.js', { 'accept-encoding': 'br' })));
    for (const answer of answers) expect(answer.body.equals(answers[0]!.body)).toBe(true);
    expect(brotliDecompressSync(answers[0]!.body).toString()).toBe(SCRIPT.replace('chorus', 'chunk'));
    expect({ filesRead: site.stats.filesRead - before.filesRead, compressions: site.stats.compressions - before.compressions }).toEqual({
      filesRead: 1,
      compressions: 1,
    });
  });

  it('answers 304 to a matching If-None-Match, per encoding', async () => {
    const first = await get('/', { ...html, 'accept-encoding': 'br' });
    const etag = first.headers.etag!;
    const again = await get('/', { ...html, 'accept-encoding': 'br', 'if-none-match': `"other", W/${etag}` });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');
    // The brotli ETag does not validate the gzip body.
    expect((await get('/', { ...html, 'accept-encoding': 'gzip', 'if-none-match': etag })).status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get('/assets/app-3f2a.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(SCRIPT));
    expect(head.body.length).toBe(0);
  });

  it('never serves a file outside the root, hidden files or symlinks leaving it', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/index.html%00.png',
      '/%00',
      '/bad%zz',
      '/.env',
      '/%2eenv',
      '/escape.txt',
      '/up/secret.txt',
      '//etc/passwd',
    ];
    for (const attempt of attempts) {
      const answer = await get(attempt, html);
      expect(answer.body.toString(), attempt).not.toContain('outside the root');
      expect(answer.body.toString(), attempt).not.toContain('SECRET');
      // The only thing one may get is the app itself, for an extension-less navigation.
      if (answer.status === 200) expect(answer.body.toString(), attempt).toBe(INDEX);
    }
    expect((await get('/escape.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
  });
});

describe('path segments', () => {
  it('are decoded one by one and refused when they could leave the root', () => {
    expect(decodeSegments('/assets/a%20b.js')).toEqual(['assets', 'a b.js']);
    expect(decodeSegments('/')).toEqual([]);
    expect(decodeSegments('//a//b/')).toEqual(['a', 'b']);
    for (const bad of ['/..', '/a/%2e%2E/b', '/a%2fb', '/a%5cb', '/a%00', '/%e0%a4%a', 'relative', '/.git/config']) {
      expect(decodeSegments(bad), bad).toBeNull();
    }
  });
});

describe('accept-encoding', () => {
  it('prefers brotli, honours q-values and refusals', () => {
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0.5, gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0')).toBeNull();
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*;q=0.1, br;q=0')).toBe('gzip');
    expect(chooseEncoding('deflate')).toBeNull();
  });
});
