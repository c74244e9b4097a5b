import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateSessionToken } from '../auth/session.service';
import { sessionTokenOf } from '../context';
import type { AppDeps } from '../deps';
import { contentDisposition } from '../files/file-names';
import { downloadPolicy, servingOf } from '../files/sniff';
import { AI_IMAGE_PATH, loadOwnImage } from './images.service';

/**
 * GET /ai/images/:id for the image's owner (cookie or Bearer). Anyone else gets 404. Stored
 * images are PNG, JPEG, WebP or GIF (checked from their bytes when made); they go out with the
 * headers of an uploaded image of that type, inline.
 */
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
  const serving = servingOf(image.mimeType);
  const extension = image.mimeType.split('/')[1] ?? 'bin';
  res.writeHead(200, {
    'content-type': serving.contentType,
    'content-length': image.bytes.length,
    'cache-control': 'private, max-age=86400, immutable',
    'x-content-type-options': 'nosniff',
    'content-security-policy': downloadPolicy(serving),
    'content-disposition': contentDisposition(serving.inline ? 'inline' : 'attachment', `image-${id}.${extension}`),
  });
  res.end(image.bytes);
}
