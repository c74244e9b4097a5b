import type { PreviewsOptions } from '@chorus/api';
import type { Env } from './env';

/** Link previews from the environment: public addresses only in production unless allowed. */
export function loadPreviewsOptions(env: Env): PreviewsOptions {
  return {
    enabled: env.LINK_PREVIEWS === 'on',
    egress: { allowPrivateNetworks: env.LINK_PREVIEWS_ALLOW_PRIVATE_NETWORKS ?? env.NODE_ENV !== 'production' },
    timeoutMs: env.LINK_PREVIEWS_TIMEOUT_MS,
    maxPageBytes: env.LINK_PREVIEWS_MAX_PAGE_BYTES,
    maxImageBytes: env.LINK_PREVIEWS_MAX_IMAGE_BYTES,
    concurrency: env.LINK_PREVIEWS_CONCURRENCY,
  };
}
