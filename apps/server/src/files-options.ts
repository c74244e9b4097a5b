import { loadOrCreateDevLinkSecret, type FilesOptions } from '@chorus/api';
import type { Logger } from 'pino';
import type { Env } from './env';
import { secretsMayLiveWithLocalData } from './local-secrets';

/**
 * Files settings from the environment. The link secret must be configured in production (every
 * instance needs the same one); elsewhere (see local-secrets.ts) it is generated once under the
 * local data directory.
 */
export async function loadFilesOptions(env: Env, logger: Logger): Promise<FilesOptions> {
  let linkSecret = env.FILES_LINK_SECRET;
  if (!linkSecret) {
    if (!secretsMayLiveWithLocalData(env)) {
      throw new Error('FILES_LINK_SECRET is required in production: set it to at least 32 random characters (e.g. $(openssl rand -base64 32))');
    }
    const dev = await loadOrCreateDevLinkSecret(env.LOCAL_DATA_DIR);
    logger.warn(
      { path: dev.path, created: dev.created },
      'FILES_LINK_SECRET unset: download links are signed with a development secret kept in the local data directory',
    );
    linkSecret = dev.secret;
  }
  return {
    ...storageOf(env, logger),
    maxFileBytes: env.FILES_MAX_SIZE_BYTES,
    quotaBytes: env.FILES_QUOTA_BYTES,
    linkSecret,
    linkTtlSeconds: env.FILES_LINK_TTL_SECONDS,
    abandonedMs: env.FILES_ABANDONED_HOURS * 3600 * 1000,
  };
}

/** FILES_STORAGE: a directory, or an S3 bucket (its secret key goes to the S3 client only, never to a log). */
function storageOf(env: Env, logger: Logger): Pick<FilesOptions, 'dir' | 's3'> {
  if (env.FILES_STORAGE === 'local') return { dir: env.FILES_DIR };
  const s3 = {
    endpoint: env.S3_ENDPOINT,
    bucket: env.S3_BUCKET!,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
  logger.info({ endpoint: s3.endpoint ?? 'AWS', bucket: s3.bucket, region: s3.region, forcePathStyle: s3.forcePathStyle }, 'files stored in S3');
  return { s3 };
}
