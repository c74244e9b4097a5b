import { createHmac } from 'node:crypto';
import type { MailLinksOptions } from '@chorus/api';
import type { Env } from './env';

/**
 * Links in mail: PUBLIC_URL (default: this server's own address), the secret that signs
 * unsubscribe links and the digest delay. Without MAIL_LINK_SECRET the signing key is derived
 * from the download-link secret (itself required in production, generated under
 * LOCAL_DATA_DIR elsewhere), so every instance agrees on it with no extra secret to deploy;
 * the derivation names its purpose, so neither key can stand in for the other.
 */
export function loadMailLinksOptions(env: Env, filesLinkSecret: string | Buffer): MailLinksOptions {
  const linkSecret = env.MAIL_LINK_SECRET ?? createHmac('sha256', filesLinkSecret).update('chorus mail link key').digest('base64url');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return { publicUrl: env.PUBLIC_URL ?? `http://${host}:${env.PORT}`, linkSecret, digestAfterMs: env.DIGEST_AFTER_MINUTES * 60_000 };
}
