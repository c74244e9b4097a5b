// Firebase Cloud Messaging, HTTP v1 API: a service account signs a JWT assertion (RS256) that
// Google's token endpoint exchanges for an OAuth access token; each push is one
// POST /v1/projects/<project>/messages:send with that bearer. See docs/push-native.md.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { TPushDeviceRow } from '@chorus/db';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../kernel';
import { clipLine } from '../../strings';
import type { PushDelivery, PushOutcome, PushProvider } from '../provider';
import {
  apnsCollapseId,
  BODY_MAX_CHARS,
  describeNetworkError,
  expirationSeconds,
  parseEndpoint,
  platformPriority,
  pushData,
  signJwt,
  TITLE_MAX_CHARS,
} from './native-common';
import { retryAfterMs } from './retry-after';

export const FCM_DEFAULT_ENDPOINT = 'https://fcm.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const ASSERTION_LIFETIME_S = 3600;
/** An access token is renewed this long before Google says it expires. */
const EARLY_RENEWAL_MS = 5 * 60_000;

/** The parts of a Google service account key file that sending needs. */
export interface FcmServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKey: KeyObject;
  privateKeyId: string | null;
  tokenUri: string;
}

export interface FcmProviderOptions {
  serviceAccount: FcmServiceAccount;
  /** Base URL of the FCM API; tests point it at a local server. */
  endpoint?: string;
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Reads a service account key file's JSON (as downloaded from the Firebase console). Errors say
 * which field is wrong and never repeat the text: it holds a private key.
 */
export function parseFcmServiceAccount(json: string): FcmServiceAccount {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('is not valid JSON (expected a service account key file)');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('is not a JSON object (expected a service account key file)');
  const fields = raw as Record<string, unknown>;
  const text = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value.trim() === '') throw new Error(`has no "${name}"`);
    return value.trim();
  };
  if (fields.type !== undefined && fields.type !== 'service_account') throw new Error('is not a service account key ("type" must be "service_account")');
  const projectId = text('project_id');
  const clientEmail = text('client_email');
  if (!/^[^@\s]+@[^@\s]+$/.test(clientEmail)) throw new Error('has a "client_email" that is not an address');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text('private_key'));
  } catch {
    throw new Error('has a "private_key" that is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('has a "private_key" that is not an RSA key');
  const tokenUri = parseEndpoint(typeof fields.token_uri === 'string' ? fields.token_uri : 'https://oauth2.googleapis.com/token', '"token_uri"');
  const privateKeyId = typeof fields.private_key_id === 'string' && fields.private_key_id ? fields.private_key_id : null;
  return { projectId, clientEmail, privateKey, privateKeyId, tokenUri };
}

/** No access token: `refused` when Google turned the assertion down (wrong credentials), else unreachable. Holds no secret. */
class TokenExchangeError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(`token exchange failed: ${message}`);
  }
}

interface AccessToken {
  value: string;
  renewAtMs: number;
}

/** FCM HTTP v1 sender: caches one access token, renewed shortly before it expires or once on a 401. */
export function createFcmProvider(options: FcmProviderOptions): PushProvider {
  const account = options.serviceAccount;
  const endpoint = parseEndpoint(options.endpoint ?? FCM_DEFAULT_ENDPOINT, 'the FCM endpoint');
  const sendUrl = `${endpoint}/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? systemClock;
  let token: AccessToken | null = null;
  let renewal: Promise<AccessToken> | null = null;

  async function exchange(): Promise<AccessToken> {
    const iat = Math.floor(clock.now().getTime() / 1000);
    const header: Record<string, string> = account.privateKeyId ? { kid: account.privateKeyId } : {};
    const assertion = signJwt(
      'RS256',
      header,
      { iss: account.clientEmail, scope: SCOPE, aud: account.tokenUri, iat, exp: iat + ASSERTION_LIFETIME_S },
      account.privateKey,
    );
    const response = await fetch(account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw new TokenExchangeError(describeNetworkError(error), false);
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      // The OAuth error code (invalid_grant, invalid_client…) only: descriptions may quote the request.
      const code = typeof body.error === 'string' ? ` ${body.error.slice(0, 60)}` : '';
      throw new TokenExchangeError(`HTTP ${response.status}${code}`, response.status >= 400 && response.status < 500 && response.status !== 429);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    return { value: body.access_token, renewAtMs: clock.now().getTime() + Math.max(lifetimeMs - EARLY_RENEWAL_MS, lifetimeMs / 2) };
  }

  /** The cached token, or a new one; concurrent callers share one exchange. */
  function accessToken(): Promise<AccessToken> {
    if (token && clock.now().getTime() < token.renewAtMs) return Promise.resolve(token);
    renewal ??= exchange()
      .then((fresh) => (token = fresh))
      .finally(() => {
        renewal = null;
      });
    return renewal;
  }

  function message(device: TPushDeviceRow, delivery: PushDelivery) {
    const { payload, collapseKey, badge, ttlSeconds } = delivery;
    const priority = platformPriority(delivery.urgency);
    const apnsHeaders: Record<string, string> = {
      'apns-priority': priority.apns,
      'apns-expiration': String(expirationSeconds(clock.now().getTime(), ttlSeconds)),
    };
    if (collapseKey) apnsHeaders['apns-collapse-id'] = apnsCollapseId(collapseKey);
    return {
      message: {
        token: device.token,
        notification: { title: clipLine(payload.title, TITLE_MAX_CHARS), body: clipLine(payload.body, BODY_MAX_CHARS) },
        data: pushData(payload),
        android: {
          ...(collapseKey ? { collapse_key: collapseKey } : {}),
          ttl: `${ttlSeconds}s`,
          priority: priority.android,
          notification: { notification_count: badge, ...(collapseKey ? { tag: collapseKey } : {}) },
        },
        apns: { headers: apnsHeaders, payload: { aps: { badge } } },
      },
    };
  }

  async function post(body: string, bearer: string): Promise<Response> {
    return fetch(sendUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  function configProblem(reason: string): PushOutcome {
    options.logger?.error({ push: 'fcm', reason }, 'FCM refused the credentials: check FCM_SERVICE_ACCOUNT and the project');
    return { outcome: 'retry', reason };
  }

  async function send(device: TPushDeviceRow, delivery: PushDelivery): Promise<PushOutcome> {
    if (!device.token) return { outcome: 'gone', reason: 'FCM device without a token' };
    const body = JSON.stringify(message(device, delivery));
    try {
      let used = await accessToken();
      let response = await post(body, used.value);
      if (response.status === 401) {
        // The token may have been revoked early: renew once (unless another send already did).
        await response.body?.cancel();
        if (token === used) token = null;
        used = await accessToken();
        response = await post(body, used.value);
      }
      return await outcomeOf(response, clock.now().getTime(), configProblem);
    } catch (error) {
      if (error instanceof TokenExchangeError)
        return error.refused ? configProblem(`FCM ${error.message}`) : { outcome: 'retry', reason: `FCM ${error.message}` };
      return { outcome: 'retry', reason: `FCM request failed: ${describeNetworkError(error)}` };
    }
  }

  return { kind: 'fcm', send };
}

interface FcmErrorBody {
  error?: { status?: string; message?: string; details?: { '@type'?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[] };
}

/** FCM's answer as an outcome; see docs/push-native.md for the table. */
async function outcomeOf(response: Response, nowMs: number, configProblem: (reason: string) => PushOutcome): Promise<PushOutcome> {
  if (response.ok) {
    const body = (await response.json().catch(() => ({}))) as { name?: unknown };
    return typeof body.name === 'string' ? { outcome: 'sent', id: body.name } : { outcome: 'sent' };
  }
  const body = ((await response.json().catch(() => ({}))) as FcmErrorBody).error ?? {};
  const details = body.details ?? [];
  const fcmCode = details.find((detail) => detail['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
  const violations = details.flatMap((detail) => detail.fieldViolations ?? []).map((violation) => violation.field ?? '');
  const status = response.status;
  const reason = `FCM ${status} ${fcmCode ?? body.status ?? ''}`.trim();
  if (status === 404 || fcmCode === 'UNREGISTERED') return { outcome: 'gone', reason };
  if (status === 400 && isBadToken(violations, fcmCode, body.message)) return { outcome: 'gone', reason: `${reason} (registration token)` };
  if (status === 429 || status >= 500) return { outcome: 'retry', reason, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), nowMs) };
  if (status === 401 || status === 403) return configProblem(reason);
  return { outcome: 'rejected', reason: violations.length > 0 ? `${reason} (${violations.slice(0, 3).join(', ')})` : reason };
}

/**
 * A 400 is about the token when the violations name only `message.token`, or when FCM's own code
 * is INVALID_ARGUMENT with no field named and its message speaks of the registration token. Any
 * doubt counts as a bad push, not a bad device: wrongly removing a device silences a user.
 */
function isBadToken(violations: string[], fcmCode: string | undefined, message: string | undefined): boolean {
  if (violations.length > 0) return violations.every((field) => field === 'message.token');
  return fcmCode === 'INVALID_ARGUMENT' && /registration token/i.test(message ?? '');
}
