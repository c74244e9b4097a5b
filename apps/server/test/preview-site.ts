// A local website for link preview tests: pages with Open Graph, Twitter-only and <title>-only
// metadata, a redirect, a non-HTML answer, an oversized page, a slow page, a legacy charset and
// an image. It counts the requests of each path, so tests can tell what the server fetched.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const page = (head: string, body = '<p>Hello</p>') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

const PAGES: Record<string, string> = {
  '/og': page(`
    <meta property="og:title" content="  The &amp; Open   Graph title ">
    <meta property="og:description" content="What the page is about">
    <meta property="og:site_name" content="Example Site">
    <meta property="og:image" content="/image.png">
    <meta name="twitter:title" content="Not this one">
    <title>Nor this</title>`),
  '/twitter': page(`<meta name="twitter:title" content="Twitter title"><meta name="twitter:description" content="Twitter description"><title>Not this</title>`),
  '/title': page(`<title>
    Only a title </title><!-- <meta property="og:title" content="commented out"> -->`),
  '/redirected': page(`<title>Where the redirect went</title>`),
  '/empty': page('', '<p>No metadata at all</p>'),
  '/svg-title': page('', '<svg><title>icon</title></svg>'),
};

export interface PreviewSite {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Requests per path so far. */
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startPreviewSite(options: { slowMs: number }): Promise<PreviewSite> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const html = (body: string | Buffer, type = 'text/html; charset=utf-8') => res.writeHead(200, { 'content-type': type }).end(body);
    if (PAGES[path]) return html(PAGES[path]);
    switch (path) {
      case '/redirect':
        return res.writeHead(302, { location: '/redirected' }).end();
      case '/json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ title: 'not a page' }));
      case '/big': {
        // The metadata comes after the first 1 MB: a server reading at most 1 MB never sees it.
        const filler = `<p>${'x'.repeat(1024 * 1024 + 10)}</p>`;
        return html(`<!doctype html><html><head></head><body>${filler}<title>Too far down</title></body></html>`);
      }
      case '/big-head':
        return html(page('<title>Title first, then 2 MB</title>', `<p>${'y'.repeat(2 * 1024 * 1024)}</p>`));
      case '/slow':
        setTimeout(() => html(page('<title>Too late</title>')), options.slowMs).unref();
        return;
      case '/gbk':
        // "中文标题" in GBK, declared by a <meta charset> only (no charset in the header).
        return html(
          Buffer.concat([
            Buffer.from('<html><head><meta charset="gbk"><title>'),
            Buffer.from('d6d0cec4b1eacce2', 'hex'),
            Buffer.from('</title></head></html>'),
          ]),
          'text/html',
        );
      case '/image.png':
        return res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
      case '/fake-image':
        return html(page('<meta property="og:title" content="Image that is not"><meta property="og:image" content="/not-an-image.png">'));
      case '/huge-image':
        return html(page('<meta property="og:title" content="Image too big"><meta property="og:image" content="/huge.png">'));
      case '/huge.png':
        // A PNG header followed by 6 MB: over the 5 MB image limit.
        return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]));
      case '/not-an-image.png':
        // Claims to be a PNG; the bytes are HTML.
        return res.writeHead(200, { 'content-type': 'image/png' }).end('<html><script>alert(1)</script></html>');
      default:
        return res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: (path) => hits.get(path) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
