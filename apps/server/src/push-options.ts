import { loadOrCreateDevVapidKeys, type PushOptions } from '@chorus/api';
import type { Logger } from 'pino';
import type { Env } from './env';
import { secretsMayLiveWithLocalData } from './local-secrets';

const DEV_VAPID_SUBJECT = 'mailto:push@chorus.invalid';

/**
 * Push settings from the environment. VAPID keys come from the environment; where secrets may
 * live with local data (see local-secrets.ts) a pair is generated once there, elsewhere Web Push
 * stays off without them. FCM and APNs providers join `providers` when configured.
 */
export async function loadPushOptions(env: Env, logger: Logger): Promise<PushOptions> {
  const allowPrivateNetworks = env.PUSH_ALLOW_PRIVATE_NETWORKS ?? env.NODE_ENV !== 'production';
  if (env.VAPID_PUBLIC_KEY || env.VAPID_PRIVATE_KEY) {
    if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) throw new Error('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together: set both or neither');
    if (!env.VAPID_SUBJECT && env.NODE_ENV === 'production') throw new Error('VAPID_SUBJECT is required with VAPID keys in production (mailto: or https: URL)');
    return {
      vapid: { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT ?? DEV_VAPID_SUBJECT },
      allowPrivateNetworks,
    };
  }
  if (!secretsMayLiveWithLocalData(env)) {
    logger.warn('VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY unset: Web Push is off');
    return { vapid: null, allowPrivateNetworks };
  }
  const dev = await loadOrCreateDevVapidKeys(env.LOCAL_DATA_DIR);
  logger.warn({ path: dev.path, created: dev.created }, 'VAPID keys unset: Web Push uses a development key pair kept in the local data directory');
  return { vapid: { publicKey: dev.publicKey, privateKey: dev.privateKey, subject: env.VAPID_SUBJECT ?? DEV_VAPID_SUBJECT }, allowPrivateNetworks };
}
