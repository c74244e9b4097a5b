import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateSessionToken } from '../auth/session.service';
import { sessionTokenOf } from '../context';
import type { AppDeps } from '../deps';
import { FILE_ID } from './access';
import { serveDownload } from './download-route';
import { runFilesTask } from './files-runtime';
import { FILES_PATH, isFileVariant } from './signed-link';
import { createTusServer, setUploader } from './tus-server';
import { recordProgress } from './upload-progress';

export interface FilesHttpOptions {
  /** The server's one Origin rule (its own origin and PUBLIC_ORIGINS); others are refused here too. */
  originAllowed: (req: IncomingMessage) => boolean;
}

const TUS_HEADERS =
  'tus-resumable, upload-length, upload-metadata, upload-offset, upload-defer-length, upload-concat, x-http-method-override, x-requested-with';
const EXPOSED =
  'etag, content-range, content-disposition, content-length, accept-ranges, location, upload-offset, upload-length, upload-metadata, tus-resumable, tus-version, tus-extension, tus-max-size, x-request-id';

/** For a request whose Origin passed the server's rule. */
function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  res.setHeader('Vary', 'Origin');
}

/** CORS preflight and tus discovery in one answer: the same paths take downloads (GET) and tus methods. */
function options(deps: AppDeps, res: ServerResponse): void {
  res.writeHead(204, {
    'Tus-Resumable': '1.0.0',
    'Tus-Version': '1.0.0',
    'Tus-Extension': 'creation,creation-with-upload,termination',
    'Tus-Max-Size': String(deps.files.settings.maxFileBytes),
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': `authorization, content-type, range, if-none-match, if-range, x-request-id, ${TUS_HEADERS}`,
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Everything under /files: tus uploads (POST /files/, then HEAD/PATCH/DELETE /files/:id, each
 * with the session as Bearer or cookie), and downloads (GET/HEAD /files/:id[/thumbnail], by
 * session or signed link). A HEAD is tus's when it carries Tus-Resumable.
 */
export function createFilesHttpHandler(deps: AppDeps, opts: FilesHttpOptions) {
  const tus = createTusServer(deps);

  async function upload(req: IncomingMessage, res: ServerResponse, fileId: string | null): Promise<void> {
    const token = sessionTokenOf(req);
    const session = token ? await validateSessionToken(deps, token) : null;
    if (!session) return reply(res, 401, { error: 'Sign in to upload', appCode: 'UNAUTHORIZED' }, { 'Tus-Resumable': '1.0.0' });
    setUploader(req, session.userId);
    await tus.handle(req, res);
    // The stored size after a PATCH (complete or cut short) is the progress `files.get` shows.
    if (req.method === 'PATCH' && fileId && res.statusCode !== 404) runFilesTask(deps.files, deps.logger, () => recordProgress(deps, fileId));
  }

  return async function handleFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, fileId, variant, ...extra] = url.pathname.slice(FILES_PATH.length).split('/');
    const method = req.method ?? 'GET';
    const started = performance.now();
    // One line per request, as tRPC calls get (never the token or a signature).
    res.once('finish', () =>
      deps.logger.info({ method, fileId, variant, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'files request'),
    );
    if (!opts.originAllowed(req)) return reply(res, 403, { error: 'Origin not allowed' });
    cors(req, res);
    if (method === 'OPTIONS') return options(deps, res);
    const validId = fileId !== undefined && FILE_ID.test(fileId) && extra.length === 0;
    if (method === 'POST') {
      if (fileId) return reply(res, 404, { error: 'Not found' });
      return upload(req, res, null);
    }
    const tusMethod = method === 'PATCH' || method === 'DELETE' || (method === 'HEAD' && req.headers['tus-resumable'] !== undefined);
    if (tusMethod) {
      if (!validId || variant !== undefined) return reply(res, 404, { error: 'Not found' }, { 'Tus-Resumable': '1.0.0' });
      return upload(req, res, fileId);
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!validId || (variant !== undefined && !isFileVariant(variant))) return reply(res, 404, { error: 'Not found' });
      return serveDownload(deps, req, res, { fileId, variant: variant ?? null }, url.searchParams);
    }
    reply(res, 405, { error: 'Method not allowed' }, { Allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS' });
  };
}
