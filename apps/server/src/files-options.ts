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
    dir: env.FILES_DIR,
    maxFileBytes: env.FILES_MAX_SIZE_BYTES,
    quotaBytes: env.FILES_QUOTA_BYTES,
    linkSecret,
    linkTtlSeconds: env.FILES_LINK_TTL_SECONDS,
    abandonedMs: env.FILES_ABANDONED_HOURS * 3600 * 1000,
  };
}
