import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateSessionToken } from '../auth/session.service';
import { sessionTokenOf } from '../context';
import type { AppDeps } from '../deps';
import { AI_IMAGE_PATH, loadOwnImage } from './images.service';

/** GET /ai/images/:id for the image's owner (cookie or Bearer). Anyone else gets 404. */
export async function serveAiImage(deps: AppDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = Number((req.url ?? '').split('?')[0]!.slice(AI_IMAGE_PATH.length));
  const token = sessionTokenOf(req);
  const session = token ? await validateSessionToken(deps, token) : null;
  const image = req.method === 'GET' && session && Number.isSafeInteger(id) && id > 0 ? await loadOwnImage(deps, session.userId, id) : null;
  if (!image) {
    res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ error: 'Not found' }));
    return;
  }
  res.writeHead(200, {
    'content-type': image.mimeType,
    'content-length': image.bytes.length,
    'cache-control': 'private, max-age=86400, immutable',
    'x-content-type-options': 'nosniff',
  });
  res.end(image.bytes);
}
