import type { TLinkPreview } from '@chorus/db';
import type { Logger } from 'pino';
import { createGuardedFetch, type EgressPolicy } from '../../net/ssrf-guard';
import { JobQueue } from './job-queue';

export interface PreviewsSettings {
  /** Off: sends never schedule previews (LINK_PREVIEWS=off). */
  enabled: boolean;
  /** Which addresses fetches may reach; loopback and private networks only when allowed. */
  egress: EgressPolicy;
  /** Whole budget of one fetch (page or image): connecting, redirects and the body. */
  timeoutMs: number;
  /** Bytes of a page read; what follows is not read (metadata lives in `<head>`). */
  maxPageBytes: number;
  /** A larger image is not stored (the preview goes without one). */
  maxImageBytes: number;
  /** Links of a message tried in order; the first with metadata becomes its preview. */
  maxLinksPerMessage: number;
  maxRedirects: number;
  /** How long a link's preview (or the finding that it has none) is reused. */
  cacheTtlMs: number;
  /** Fetches running at once on this instance. */
  concurrency: number;
  /** Jobs waiting beyond this are dropped (logged): previews are a courtesy, memory is not. */
  maxQueued: number;
}

export const defaultPreviewsSettings: Omit<PreviewsSettings, 'egress'> = {
  enabled: true,
  timeoutMs: 5_000,
  maxPageBytes: 1024 * 1024,
  maxImageBytes: 5 * 1024 * 1024,
  maxLinksPerMessage: 3,
  maxRedirects: 5,
  cacheTtlMs: 24 * 3600 * 1000,
  concurrency: 4,
  maxQueued: 1000,
};

export type PreviewsOptions = Partial<PreviewsSettings>;

/** The previews' process-wide parts, built once with the other deps. */
export interface PreviewsRuntime {
  settings: PreviewsSettings;
  /** fetch whose every connection (redirects included) is checked against `settings.egress`. */
  fetch: typeof fetch;
  queue: JobQueue;
  /** Lookups running here, by link: concurrent jobs for one link share one (undefined: not fetched). */
  inFlight: Map<string, Promise<TLinkPreview | null | undefined>>;
  close(): Promise<void>;
}

export function createPreviewsRuntime(logger: Logger, options: PreviewsOptions = {}): PreviewsRuntime {
  const settings: PreviewsSettings = { ...defaultPreviewsSettings, egress: { allowPrivateNetworks: false }, ...options };
  const queue = new JobQueue(logger, settings.concurrency, settings.maxQueued);
  return {
    settings,
    fetch: createGuardedFetch(settings.egress, { connectTimeoutMs: settings.timeoutMs }),
    queue,
    inFlight: new Map(),
    close: () => queue.close(),
  };
}
