import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { TFileRow } from '@chorus/db';
import { validateSessionToken } from '../auth/session.service';
import { sessionTokenOf } from '../context';
import type { AppDeps } from '../deps';
import { canReadFile, findFile } from './access';
import { contentDisposition } from './file-names';
import { etagMatches, ifRangeAllows, parseRange } from './http-range';
import { downloadPolicy, servingOf } from './sniff';
import { isAvatarVariant, verifySignedLink, type FileVariant } from './signed-link';

export interface DownloadTarget {
  fileId: string;
  variant: FileVariant | null;
}

interface Servable {
  storageKey: string;
  size: number;
  mimeType: string;
  etag: string;
  name: string;
}

/** The bytes a request names, if the file is ready and has that variant. */
function servableOf(file: TFileRow, variant: FileVariant | null): Servable | null {
  if (file.status !== 'ready' || !file.sha256 || !file.mimeType) return null;
  if (!variant) return { storageKey: file.storageKey, size: file.size, mimeType: file.mimeType, etag: `"${file.sha256}"`, name: file.name };
  const derived = file.variants?.[variant];
  if (!derived) return null;
  // Derived from the original, so the original's hash names it too.
  return {
    storageKey: derived.storageKey,
    size: derived.size,
    mimeType: derived.mimeType,
    etag: `"${file.sha256}-${variant}"`,
    name: `${file.name}.${variant}.webp`,
  };
}

/** A signed link (no headers needed) or the session of a user allowed to read the file. */
async function authorized(deps: AppDeps, req: IncomingMessage, file: TFileRow, target: DownloadTarget, query: URLSearchParams): Promise<boolean> {
  if (file.isPublic && isAvatarVariant(target.variant)) return true;
  if (query.has('sig')) return verifySignedLink(deps.files.linkKey, file.id, target.variant, query, deps.clock.now());
  const token = sessionTokenOf(req);
  const session = token ? await validateSessionToken(deps, token) : null;
  return session !== null && (await canReadFile(deps.db, session.userId, file));
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'Not found' }));
}

/**
 * GET/HEAD /files/:id and /files/:id/thumbnail. Unknown, unfinished and forbidden files are all
 * 404. Dangerous types go out as opaque attachments; everything carries nosniff and a CSP that
 * lets no script load (sandboxed but for video and audio, see `downloadPolicy`), so even a file
 * that fooled the sniffer cannot run script on our origin.
 * Bytes are streamed with backpressure, one `Range` honoured (206/416), `If-None-Match` → 304.
 */
export async function serveDownload(deps: AppDeps, req: IncomingMessage, res: ServerResponse, target: DownloadTarget, query: URLSearchParams): Promise<void> {
  const file = await findFile(deps.db, target.fileId);
  const servable = file ? servableOf(file, target.variant) : null;
  if (!file || !servable || !(await authorized(deps, req, file, target, query))) return notFound(res);
  const stored = await deps.files.storage.stat(servable.storageKey);
  if (!stored || stored.size !== servable.size) {
    deps.logger.error({ fileId: file.id, variant: target.variant }, 'stored file missing or truncated');
    return notFound(res);
  }

  const serving = servingOf(servable.mimeType);
  res.setHeader('ETag', servable.etag);
  res.setHeader('Cache-Control', file.isPublic && isAvatarVariant(target.variant) ? 'public, max-age=86400' : 'private, no-cache');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', downloadPolicy(serving));
  if (etagMatches(req.headers['if-none-match'], servable.etag)) {
    res.writeHead(304).end();
    return;
  }
  res.setHeader('Content-Type', serving.contentType);
  res.setHeader('Content-Disposition', contentDisposition(serving.inline ? 'inline' : 'attachment', servable.name));

  const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
  const request = ifRangeAllows(ifRange, servable.etag) ? parseRange(req.headers.range, servable.size) : { kind: 'full' as const };
  if (request.kind === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${servable.size}`, 'Content-Length': 0 }).end();
    return;
  }
  const range = request.kind === 'partial' ? request.range : null;
  const length = range ? range.end - range.start + 1 : servable.size;
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${servable.size}`);
  res.writeHead(range ? 206 : 200, { 'Content-Length': length });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(deps.files.storage.createReadStream(servable.storageKey, range ?? undefined), res);
  } catch (error) {
    // Usually the client went away mid-download; the response is already cut either way.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.warn({ err: error, fileId: file.id }, 'download stream failed');
  }
}
