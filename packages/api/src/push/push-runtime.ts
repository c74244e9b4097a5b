import type { TPushDeviceKind } from '@chorus/db';
import type { Logger } from 'pino';
import type { EgressPolicy } from '../net/ssrf-guard';
import type { PushProvider } from './provider';
import { createWebPushProvider, type VapidKeys } from './providers/webpush';

export interface PushOptions {
  /** Web Push's application server keys; unset: Web Push is off (devices of that kind are refused). */
  vapid?: VapidKeys | null;
  /** Further platforms (FCM, APNs); a kind with no provider is refused at registration. */
  providers?: PushProvider[];
  /** Let Web Push endpoints reach loopback and private networks (PUSH_ALLOW_PRIVATE_NETWORKS). Default: off. */
  allowPrivateNetworks?: boolean;
  /** Devices one user may have; registering one more removes their oldest. */
  maxDevicesPerUser?: number;
  /** Budget of one Web Push request (connect, TLS, answer). */
  webPushTimeoutMs?: number;
}

/** The push side of the dependencies: who can be pushed through what, and the worker's nudge. */
export interface PushRuntime {
  /** Call after a commit that wrote push_outbox rows: the worker looks at once instead of at its next poll. */
  wake(): void;
  /** The worker subscribes here when it starts. */
  onWake(listener: () => void): void;
  /** base64url of the VAPID public key browsers subscribe with; null: Web Push is off. */
  vapidPublicKey: string | null;
  providers: ReadonlyMap<TPushDeviceKind, PushProvider>;
  egress: EgressPolicy;
  maxDevicesPerUser: number;
  close(): Promise<void>;
}

export const DEFAULT_MAX_DEVICES_PER_USER = 20;

export function createPushRuntime(logger: Logger, options: PushOptions = {}): PushRuntime {
  const egress: EgressPolicy = { allowPrivateNetworks: options.allowPrivateNetworks ?? false };
  const providers = new Map<TPushDeviceKind, PushProvider>();
  if (options.vapid) {
    providers.set('webpush', createWebPushProvider({ vapid: options.vapid, egress, timeoutMs: options.webPushTimeoutMs }));
  }
  for (const provider of options.providers ?? []) providers.set(provider.kind, provider);
  logger.info({ component: 'push', kinds: [...providers.keys()] }, providers.size ? 'push providers ready' : 'no push provider configured: push is off');
  let listener: () => void = () => {};
  return {
    wake: () => listener(),
    onWake(next) {
      listener = next;
    },
    vapidPublicKey: options.vapid?.publicKey ?? null,
    providers,
    egress,
    maxDevicesPerUser: options.maxDevicesPerUser ?? DEFAULT_MAX_DEVICES_PER_USER,
    async close() {
      await Promise.allSettled([...providers.values()].map(async (provider) => provider.close?.()));
    },
  };
}
