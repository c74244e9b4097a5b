import { createHash } from 'node:crypto';
import { realpath, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { chooseEncoding, type Encoding } from './accept-encoding';
import { HTML_SECURITY_HEADERS } from './security-headers';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};
/** Already-compressed formats (images, fonts, media) gain nothing from gzip or brotli. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.webmanifest', '.map', '.wasm', '.txt', '.xml', '.ico']);
/** Below this a compressed body saves less than its headers cost. */
const MIN_COMPRESS_BYTES = 512;

/** Vite names everything under /assets/ by its content hash: a new build means new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and unhashed files (favicon, manifest) are revalidated each time, cheaply by ETag. */
const REVALIDATE = 'no-cache';

interface Representation {
  body: Buffer;
  etag: string;
}

/** One file as read once: its bytes and, on demand, its gzip and brotli forms. */
interface CachedFile {
  mtimeMs: number;
  size: number;
  type: string;
  compressible: boolean;
  identity: Representation;
  encoded: Map<Encoding, Promise<Representation>>;
}

export interface StaticSite {
  /** Answers a GET or HEAD for a file of the site or, for an HTML navigation, index.html. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Files read from disk and compressions run since the start (each once per file version). */
  readonly stats: { filesRead: number; compressions: number };
}

/**
 * A built single-page app (Vite's dist) served from memory. Files are read on first use and kept
 * with their compressed forms, each computed once; a file whose size or mtime changed (a rebuild)
 * is read again. Paths with dot segments, encoded separators, NUL or symlinks leaving the root
 * are not found.
 */
export async function createStaticSite(root: string): Promise<StaticSite> {
  const realRoot = await realpath(root);
  const cache = new Map<string, CachedFile>();
  // Reads under way, by file and version: requests that arrive together (the first visitors
  // after a deploy) share one read, and so one entry and one compression per encoding.
  const reading = new Map<string, Promise<CachedFile>>();
  const stats = { filesRead: 0, compressions: 0 };

  async function load(file: string): Promise<CachedFile | null> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return null;
    // The lexical check in `resolve` cannot see symlinks: the real path must stay under the root.
    const real = await realpath(file).catch(() => null);
    if (!real || !real.startsWith(realRoot + path.sep)) return null;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const version = `${file}\0${info.mtimeMs}\0${info.size}`;
    let read = reading.get(version);
    if (!read) {
      read = readEntry(file, real, info).finally(() => reading.delete(version));
      reading.set(version, read);
    }
    return read;
  }

  async function readEntry(file: string, real: string, info: { mtimeMs: number; size: number }): Promise<CachedFile> {
    const body = await readFile(real);
    stats.filesRead++;
    const extension = path.extname(file).toLowerCase();
    const entry: CachedFile = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      type: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      compressible: COMPRESSIBLE.has(extension) && body.length >= MIN_COMPRESS_BYTES,
      identity: { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` },
      encoded: new Map(),
    };
    cache.set(file, entry);
    return entry;
  }

  function representation(file: CachedFile, encoding: Encoding | null): Promise<Representation> {
    if (!encoding || !file.compressible) return Promise.resolve(file.identity);
    let encoded = file.encoded.get(encoding);
    if (!encoded) {
      const { body, etag } = file.identity;
      stats.compressions++;
      const compress =
        encoding === 'br'
          ? brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
          : gzipAsync(body, { level: 9 });
      encoded = compress.then((compressed) => ({ body: compressed, etag: `${etag.slice(0, -1)}-${encoding}"` }));
      // A failed compression is not kept: the next request tries again.
      encoded.catch(() => file.encoded.delete(encoding));
      file.encoded.set(encoding, encoded);
    }
    return encoded;
  }

  async function send(req: IncomingMessage, res: ServerResponse, file: CachedFile, cacheControl: string, html: boolean): Promise<void> {
    const encoding = file.compressible ? chooseEncoding(req.headers['accept-encoding']) : null;
    const chosen = await representation(file, encoding);
    const headers: Record<string, string> = {
      'content-type': file.type,
      'cache-control': cacheControl,
      etag: chosen.etag,
      'x-content-type-options': 'nosniff',
      ...(file.compressible ? { vary: 'accept-encoding' } : {}),
      ...(html ? HTML_SECURITY_HEADERS : {}),
    };
    if (etagMatches(req.headers['if-none-match'], chosen.etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    if (encoding && file.compressible) headers['content-encoding'] = encoding;
    headers['content-length'] = String(chosen.body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : chosen.body);
  }

  return {
    stats,
    async serve(req, res) {
      const segments = decodeSegments((req.url ?? '/').split('?')[0] ?? '/');
      if (!segments) return notFound(res);
      const file = segments.length > 0 ? await load(path.join(realRoot, ...segments)) : null;
      if (file) return send(req, res, file, segments[0] === 'assets' ? IMMUTABLE : REVALIDATE, file.type.startsWith('text/html'));
      // Client-side routes (/chat/123) are pages of the app; a missing /assets/x.js stays a 404.
      const last = segments.at(-1) ?? '';
      if (segments[0] !== 'assets' && !last.includes('.') && acceptsHtml(req)) {
        const index = await load(path.join(realRoot, 'index.html'));
        if (index) return send(req, res, index, REVALIDATE, true);
      }
      notFound(res);
    },
  };
}

/**
 * The path's segments, each percent-decoded, or null when one could step outside the root or
 * name a hidden file: `.`/`..` (also encoded as %2e), an encoded `/` or `\`, NUL, malformed escapes.
 */
export function decodeSegments(pathname: string): string[] | null {
  if (!pathname.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

function acceptsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify({ error: 'Not found' }));
}
