import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { files } from '@chorus/db';
import { EVENTS, Server, type ServerOptions } from '@tus/server';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { findFile } from './access';
import { removeStoredFile } from './cleanup.job';
import { finalizeUpload } from './finalize';
import { runFilesTask } from './files-runtime';
import { FILES_PATH } from './signed-link';
import { admitUpload, tusRefusal } from './upload-create';
import { recordProgress } from './upload-progress';

type TusRequest = Parameters<NonNullable<ServerOptions['onIncomingRequest']>>[0];

/** The signed-in user of each tus request, set by the HTTP route before tus sees the request. */
const uploaders = new WeakMap<object, number>();

export function setUploader(req: IncomingMessage, userId: number): void {
  uploaders.set(req, userId);
}

function uploaderOf(req: TusRequest): number {
  const node = req.runtime?.node?.req;
  const userId = node ? uploaders.get(node) : undefined;
  if (userId === undefined) throw tusRefusal(401, 'UNAUTHORIZED', 'Sign in to upload');
  return userId;
}

/** Upload ids are the files' ids: 144 random bits, url-safe, unguessable. */
export const newFileId = () => randomBytes(18).toString('base64url');

/**
 * The tus server behind POST/HEAD/PATCH/DELETE /files/. Uploads go through the storage's tus
 * DataStore (FileStore on local disk, S3Store on a bucket), which keeps the declared length and
 * metadata beside the bytes, so any instance can resume any upload. Its per-upload locks live in
 * Redis, so a client that reconnects to another instance takes over its upload from the old
 * request instead of writing beside it.
 */
export function createTusServer(deps: AppDeps): Server {
  const server = new Server({
    path: FILES_PATH,
    datastore: deps.files.storage.uploadStore,
    locker: deps.files.locker,
    relativeLocation: true,
    namingFunction: () => newFileId(),
    // The files route refuses a request whose Origin fails the server's rule before tus sees it.
    allowedOrigins: () => true,
    allowedCredentials: true,
    exposedHeaders: ['X-Request-Id'],
    disableTerminationForFinishedUploads: true,
    async onIncomingRequest(req, id) {
      const userId = uploaderOf(req);
      if (req.method === 'POST') return;
      const file = await findFile(deps.db, id);
      // Someone else's upload is as unknown as a missing one.
      if (!file || file.ownerId !== userId) throw tusRefusal(404, 'NOT_FOUND', 'No such upload');
      // A complete upload left unfinished (its last PATCH's finishing step failed) is finished now.
      if (req.method === 'HEAD' && file.status === 'uploading' && (await deps.files.storage.stat(file.storageKey))?.size === file.size) {
        await finalizeUpload(deps, id);
      }
    },
    async onUploadCreate(req, upload) {
      await admitUpload(deps, uploaderOf(req), { id: upload.id, size: upload.size, metadata: upload.metadata });
      return {};
    },
    async onUploadFinish(_req, upload) {
      try {
        // The bytes since the last progress, counted before finishing ends the progress.
        await recordProgress(deps, upload.id, upload.offset);
        await finalizeUpload(deps, upload.id);
      } catch (error) {
        deps.metrics.uploadFailed();
        throw error;
      }
      deps.metrics.uploadFinished();
      return {};
    },
    onResponseError(_req, error) {
      if ('status_code' in error && typeof error.status_code === 'number') return undefined;
      deps.logger.error({ err: error }, 'upload request failed');
      return { status_code: 500, body: JSON.stringify({ error: 'Internal server error', appCode: 'INTERNAL' }) };
    },
  });
  server.on(EVENTS.POST_RECEIVE, (_req, upload) => runFilesTask(deps.files, deps.logger, () => recordProgress(deps, upload.id, upload.offset)));
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    deps.metrics.uploadFailed();
    return runFilesTask(deps.files, deps.logger, async () => {
      await deps.db.delete(files).where(and(eq(files.id, id), eq(files.status, 'uploading')));
      await removeStoredFile(deps.files.storage, id);
    });
  });
  return server;
}
