import { randomBytes } from 'node:crypto';

export interface MailLinksOptions {
  /** Where users reach this server, e.g. https://chat.example.com (links in mail point here). */
  publicUrl?: string;
  /** Signs unsubscribe links (at least 32 characters); default: random per process (tests). */
  linkSecret?: string;
  /** A user away this long gets a digest of what is unread and at least this old. */
  digestAfterMs?: number;
}

/** Settings of links in mail and of the digest, the same on every instance. */
export interface MailLinks {
  publicUrl: string;
  linkSecret: string;
  digestAfterMs: number;
}

export const UNSUBSCRIBE_PATH = '/unsubscribe';

export function createMailLinks(options: MailLinksOptions = {}): MailLinks {
  return {
    publicUrl: (options.publicUrl ?? 'http://localhost:3000').replace(/\/+$/, ''),
    linkSecret: options.linkSecret ?? randomBytes(32).toString('base64url'),
    digestAfterMs: options.digestAfterMs ?? 30 * 60_000,
  };
}
