import { createHmac } from 'node:crypto';
import type { AppDeps } from '../deps';
import type { CallsSettings } from './calls-runtime';

export interface IceServerList {
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>;
  expiresAt: Date | null;
}

/**
 * Time-limited TURN credentials in the TURN REST scheme (coturn `use-auth-secret`): the
 * username is `<expiry unix seconds>:<user id>` and the password is
 * base64(HMAC-SHA1(secret, username)). The TURN server recomputes the HMAC and refuses the
 * username once its expiry has passed, so nothing is stored and the secret never leaves here.
 */
export function turnCredential(secret: string, userId: number, expiresAtSec: number): { username: string; credential: string } {
  const username = `${expiresAtSec}:${userId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export function iceServersFor(settings: CallsSettings, userId: number, now: Date): IceServerList {
  const iceServers: IceServerList['iceServers'] = [];
  if (settings.stunUrls.length > 0) iceServers.push({ urls: settings.stunUrls });
  if (settings.turnUrls.length === 0 || !settings.turnSecret) return { iceServers, expiresAt: null };
  const expiresAtSec = Math.floor(now.getTime() / 1000) + settings.turnTtlSeconds;
  iceServers.push({ urls: settings.turnUrls, ...turnCredential(settings.turnSecret, userId, expiresAtSec) });
  return { iceServers, expiresAt: new Date(expiresAtSec * 1000) };
}

export function iceServers(deps: Pick<AppDeps, 'calls' | 'clock'>, userId: number): IceServerList {
  return iceServersFor(deps.calls.settings, userId, deps.clock.now());
}
