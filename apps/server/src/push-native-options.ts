// FCM and APNs settings from the environment. Each platform is off unless its credentials are
// set; set but wrong stops the start with a message naming the variable, never its value.
import { readFileSync } from 'node:fs';
import {
  APNS_PRODUCTION_ENDPOINT,
  APNS_SANDBOX_ENDPOINT,
  FCM_DEFAULT_ENDPOINT,
  isApnsId,
  parseApnsKey,
  parseFcmServiceAccount,
  parsePushEndpoint,
  type ApnsProviderOptions,
  type FcmProviderOptions,
} from '@chorus/api';

export const pushNativeEnvNames = [
  'FCM_SERVICE_ACCOUNT',
  'FCM_SERVICE_ACCOUNT_FILE',
  'FCM_ENDPOINT',
  'APNS_KEY',
  'APNS_KEY_FILE',
  'APNS_KEY_ID',
  'APNS_TEAM_ID',
  'APNS_ENDPOINT',
  'APNS_SANDBOX',
] as const;
export type PushNativeEnv = Partial<Record<(typeof pushNativeEnvNames)[number], string | undefined>>;

/** What createFcmProvider needs besides a logger and clock. */
export type FcmSettings = Required<Pick<FcmProviderOptions, 'serviceAccount' | 'endpoint'>>;
/** What createApnsProvider needs besides a logger and clock. */
export type ApnsSettings = Required<Pick<ApnsProviderOptions, 'key' | 'keyId' | 'teamId' | 'endpoint'>>;

export interface PushNativeSettings {
  /** null: FCM is off (no service account configured). */
  fcm: FcmSettings | null;
  /** null: APNs is off (no key configured). */
  apns: ApnsSettings | null;
}

const value = (env: PushNativeEnv, name: keyof PushNativeEnv) => {
  const text = env[name]?.trim();
  return text ? text : undefined;
};

/** A secret given inline or as a file: exactly one of the two variables. */
function secret(env: PushNativeEnv, inline: keyof PushNativeEnv, file: keyof PushNativeEnv): { text: string; source: string } | null {
  const text = value(env, inline);
  const path = value(env, file);
  if (text && path) throw new Error(`set ${inline} or ${file}, not both`);
  if (text) return { text, source: inline };
  if (!path) return null;
  try {
    return { text: readFileSync(path, 'utf8'), source: `${file} (${path})` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${file}: cannot read ${path} (${code})`, { cause: error });
  }
}

/** Rewords a parser's "is not …" error with the variable it came from; the value is never part of it. */
function named<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${source} ${error instanceof Error ? error.message : 'is invalid'}`, { cause: error });
  }
}

export function loadFcmSettings(env: PushNativeEnv): FcmSettings | null {
  const account = secret(env, 'FCM_SERVICE_ACCOUNT', 'FCM_SERVICE_ACCOUNT_FILE');
  const endpoint = value(env, 'FCM_ENDPOINT');
  if (!account) {
    if (endpoint) throw new Error('FCM_ENDPOINT is set but FCM_SERVICE_ACCOUNT (or FCM_SERVICE_ACCOUNT_FILE) is not');
    return null;
  }
  return {
    serviceAccount: named(account.source, () => parseFcmServiceAccount(account.text)),
    endpoint: endpoint ? parsePushEndpoint(endpoint, 'FCM_ENDPOINT') : FCM_DEFAULT_ENDPOINT,
  };
}

export function loadApnsSettings(env: PushNativeEnv): ApnsSettings | null {
  const key = secret(env, 'APNS_KEY', 'APNS_KEY_FILE');
  const keyId = value(env, 'APNS_KEY_ID');
  const teamId = value(env, 'APNS_TEAM_ID');
  const endpoint = value(env, 'APNS_ENDPOINT');
  const sandboxText = value(env, 'APNS_SANDBOX');
  if (sandboxText !== undefined && !['true', 'false', '1', '0'].includes(sandboxText)) throw new Error('APNS_SANDBOX must be true, false, 1 or 0');
  const sandbox = sandboxText === 'true' || sandboxText === '1';
  if (!key) {
    const stray = (['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_ENDPOINT'] as const).find((name) => value(env, name));
    if (stray) throw new Error(`${stray} is set but APNS_KEY (or APNS_KEY_FILE) is not`);
    return null;
  }
  if (!keyId || !isApnsId(keyId)) throw new Error('APNS_KEY_ID must be the 10-character id of the key (Apple Developer › Keys)');
  if (!teamId || !isApnsId(teamId)) throw new Error('APNS_TEAM_ID must be the 10-character team id (Apple Developer › Membership)');
  if (endpoint && sandbox) throw new Error('set APNS_ENDPOINT or APNS_SANDBOX=true, not both');
  return {
    key: named(key.source, () => parseApnsKey(key.text)),
    keyId,
    teamId,
    endpoint: endpoint ? parsePushEndpoint(endpoint, 'APNS_ENDPOINT', { httpsOnly: true }) : sandbox ? APNS_SANDBOX_ENDPOINT : APNS_PRODUCTION_ENDPOINT,
  };
}

/** Both platforms' settings; throws on the first wrong variable. */
export function loadPushNativeSettings(env: PushNativeEnv = process.env): PushNativeSettings {
  return { fcm: loadFcmSettings(env), apns: loadApnsSettings(env) };
}
