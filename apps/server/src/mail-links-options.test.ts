import { describe, expect, it } from 'vitest';
import { loadEnv } from './env';
import { loadMailLinksOptions } from './mail-links-options';

const filesSecret = 'f'.repeat(40);

describe('mail link settings from the environment', () => {
  it('default to the server’s own address, a key derived from the download-link secret and 30 minutes', () => {
    const options = loadMailLinksOptions(loadEnv({ HOST: '0.0.0.0', PORT: '8080' }), filesSecret);
    expect(options).toMatchObject({ publicUrl: 'http://localhost:8080', digestAfterMs: 30 * 60_000 });
    // Stable across instances and restarts, and never the download-link secret itself.
    expect(options.linkSecret).toBe(loadMailLinksOptions(loadEnv({}), filesSecret).linkSecret);
    expect(options.linkSecret).not.toBe(filesSecret);
    expect(options.linkSecret).not.toBe(loadMailLinksOptions(loadEnv({}), 'g'.repeat(40)).linkSecret);
  });

  it('read PUBLIC_URL, MAIL_LINK_SECRET and DIGEST_AFTER_MINUTES', () => {
    const env = loadEnv({ PUBLIC_URL: 'https://chat.example.com/', MAIL_LINK_SECRET: 'm'.repeat(32), DIGEST_AFTER_MINUTES: '45' });
    expect(loadMailLinksOptions(env, filesSecret)).toEqual({ publicUrl: 'https://chat.example.com', linkSecret: 'm'.repeat(32), digestAfterMs: 45 * 60_000 });
  });
});
