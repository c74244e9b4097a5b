import { describe, expect, it } from 'vitest';
import { loadEnv } from './env';
import { loadPreviewsOptions } from './previews-options';

describe('link preview settings from the environment', () => {
  it('are on with 5 s, 1 MB pages and 5 MB images; private networks allowed outside production only', () => {
    expect(loadPreviewsOptions(loadEnv({}))).toEqual({
      enabled: true,
      egress: { allowPrivateNetworks: true },
      timeoutMs: 5000,
      maxPageBytes: 1024 * 1024,
      maxImageBytes: 5 * 1024 * 1024,
      concurrency: 4,
    });
    expect(loadPreviewsOptions(loadEnv({ NODE_ENV: 'production' })).egress).toEqual({ allowPrivateNetworks: false });
  });

  it('reads the switches and limits', () => {
    const env = loadEnv({
      NODE_ENV: 'production',
      LINK_PREVIEWS: 'off',
      LINK_PREVIEWS_ALLOW_PRIVATE_NETWORKS: 'true',
      LINK_PREVIEWS_TIMEOUT_MS: '2000',
      LINK_PREVIEWS_MAX_PAGE_BYTES: '65536',
      LINK_PREVIEWS_MAX_IMAGE_BYTES: '100000',
      LINK_PREVIEWS_CONCURRENCY: '2',
    });
    expect(loadPreviewsOptions(env)).toEqual({
      enabled: false,
      egress: { allowPrivateNetworks: true },
      timeoutMs: 2000,
      maxPageBytes: 65536,
      maxImageBytes: 100000,
      concurrency: 2,
    });
  });
});
