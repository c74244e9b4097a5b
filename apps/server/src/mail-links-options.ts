import { loadOrCreateDevLinkSecret, type MailLinksOptions } from '@chorus/api';
import type { Logger } from 'pino';
import type { Env } from './env';
import { secretsMayLiveWithLocalData } from './local-secrets';

const DEV_SECRET_FILE = 'mail-link-secret';

/**
 * Links in mail: PUBLIC_URL (default: this server's own address), and the secret that signs
 * unsubscribe links. Like FILES_LINK_SECRET, the secret must be configured in production (every
 * instance needs the same one); elsewhere (see local-secrets.ts) it is generated once under the
 * local data directory.
 */
export async function loadMailLinksOptions(env: Env, logger: Logger): Promise<MailLinksOptions> {
  let linkSecret = env.MAIL_LINK_SECRET;
  if (!linkSecret) {
    if (!secretsMayLiveWithLocalData(env)) {
      throw new Error('MAIL_LINK_SECRET is required in production: set it to at least 32 random characters (e.g. $(openssl rand -base64 32))');
    }
    const dev = await loadOrCreateDevLinkSecret(env.LOCAL_DATA_DIR, DEV_SECRET_FILE);
    logger.warn(
      { path: dev.path, created: dev.created },
      'MAIL_LINK_SECRET unset: unsubscribe links are signed with a development secret kept in the local data directory',
    );
    linkSecret = dev.secret;
  }
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return { publicUrl: env.PUBLIC_URL ?? `http://${host}:${env.PORT}`, linkSecret, digestAfterMs: env.DIGEST_AFTER_MINUTES * 60_000 };
}
