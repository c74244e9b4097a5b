// Apple Push Notification service: HTTP/2 with token-based auth. One connection carries every
// push (Apple asks providers to keep it open rather than connect per push); a provider token
// (ES256 JWT from the team's .p8 key) authorizes each request. See docs/push-native.md.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
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
  signJwt,
  TITLE_MAX_CHARS,
} from './native-common';
import { retryAfterMs } from './retry-after';

export const APNS_PRODUCTION_ENDPOINT = 'https://api.push.apple.com';
export const APNS_SANDBOX_ENDPOINT = 'https://api.sandbox.push.apple.com';
/** Apple refuses tokens older than an hour and renewals more often than every 20 minutes. */
const DEFAULT_TOKEN_LIFETIME_MS = 45 * 60_000;

export interface ApnsProviderOptions {
  /** The .p8 signing key, from parseApnsKey. */
  key: KeyObject;
  /** The key's 10-character id (Apple Developer › Keys). */
  keyId: string;
  /** The 10-character team id that owns the apps. */
  teamId: string;
  endpoint?: string;
  timeoutMs?: number;
  /** How long one provider token is used: 20 to 50 minutes. */
  tokenLifetimeMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Reads a .p8 key (PKCS #8 PEM, P-256). `\n` escapes, as env files often carry them, are accepted. */
export function parseApnsKey(pem: string): KeyObject {
  const text = pem.includes('\n') ? pem : pem.replaceAll('\\n', '\n');
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new Error('is not a PEM private key (expected the contents of the AuthKey_<id>.p8 file)');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('is not a P-256 (ES256) key as APNs signing keys are');
  }
  return key;
}

/** Apple's key and team ids: ten upper-case letters and digits. */
export function isApnsId(value: string): boolean {
  return /^[A-Z0-9]{10}$/.test(value);
}

class ApnsTimeout extends Error {
  constructor() {
    super('timeout');
  }
}

interface Connection {
  session: ClientHttp2Session;
  ready: Promise<void>;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** APNs sender over one reused HTTP/2 session, reconnected after GOAWAY, errors or close. */
export function createApnsProvider(options: ApnsProviderOptions): PushProvider & { close(): Promise<void> } {
  const endpoint = parseEndpoint(options.endpoint ?? APNS_PRODUCTION_ENDPOINT, 'the APNs endpoint', { httpsOnly: true });
  if (!isApnsId(options.keyId)) throw new Error('the APNs key id must be 10 upper-case letters or digits');
  if (!isApnsId(options.teamId)) throw new Error('the APNs team id must be 10 upper-case letters or digits');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lifetimeMs = Math.min(Math.max(options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS, 20 * 60_000), 50 * 60_000);
  const clock = options.clock ?? systemClock;
  let current: Connection | null = null;
  let jwt: { value: string; issuedAtMs: number } | null = null;
  let closed = false;

  function providerToken(): string {
    const now = clock.now().getTime();
    if (!jwt || now - jwt.issuedAtMs >= lifetimeMs) {
      jwt = { value: signJwt('ES256', { kid: options.keyId }, { iss: options.teamId, iat: Math.floor(now / 1000) }, options.key), issuedAtMs: now };
    }
    return jwt.value;
  }

  function connection(): Connection {
    if (current && !current.session.closed && !current.session.destroyed) return current;
    const session = connect(endpoint);
    const fresh: Connection = {
      session,
      // Until the server's SETTINGS arrive the client cannot know its stream limit (APNs starts
      // at one): streams opened before would be refused, streams opened after are queued.
      ready: new Promise<void>((resolve, reject) => {
        session.once('remoteSettings', () => resolve());
        session.once('error', reject);
        session.once('close', () => reject(new Error('connection closed')));
      }),
    };
    fresh.ready.catch(() => undefined);
    // A session that is going away takes no new streams: forget it so the next push reconnects.
    const forget = () => {
      if (current === fresh) current = null;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', (error) => {
      forget();
      options.logger?.warn({ push: 'apns', error: describeNetworkError(error) }, 'APNs connection failed');
    });
    current = fresh;
    return fresh;
  }

  function request(conn: Connection, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let stream: ClientHttp2Stream | null = null;
      const settle = (error: Error | null, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(answer as Answer);
      };
      const timer = setTimeout(() => {
        stream?.close(constants.NGHTTP2_CANCEL);
        settle(new ApnsTimeout());
      }, timeoutMs);
      conn.ready
        .then(() => {
          if (settled) return;
          const opened = conn.session.request({ ':method': 'POST', ':path': path, ...headers });
          stream = opened;
          const chunks: Buffer[] = [];
          let status = 0;
          let responseHeaders: IncomingHttpHeaders = {};
          opened.on('response', (received) => {
            status = Number(received[':status']);
            responseHeaders = received;
          });
          opened.on('data', (chunk: Buffer) => chunks.push(chunk));
          opened.on('end', () => settle(null, { status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') }));
          opened.on('error', (error: Error) => settle(error));
          opened.on('close', () => settle(new Error(`stream closed (code ${opened.rstCode ?? 'none'})`)));
          opened.end(body);
        })
        .catch((error: unknown) => settle(error instanceof Error ? error : new Error('connection failed')));
    });
  }

  /**
   * One request; a push whose stream failed because its connection went away (GOAWAY, a cut)
   * goes once more on a new one. Should APNs have taken the first after all, the second carries
   * the same collapse id and replaces it on the device. A timeout is not repeated.
   */
  async function requestWithReconnect(path: string, headers: Record<string, string>, body: string): Promise<Answer> {
    const before = connection();
    try {
      return await request(before, path, headers, body);
    } catch (error) {
      const gone = before.session.closed || before.session.destroyed || current !== before;
      if (!(error instanceof ApnsTimeout) && gone) return request(connection(), path, headers, body);
      throw error;
    }
  }

  function headersFor(device: TPushDeviceRow, delivery: PushDelivery, token: string): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `bearer ${token}`,
      'apns-topic': device.topic ?? '',
      'apns-push-type': 'alert',
      'apns-priority': platformPriority(delivery.urgency).apns,
      'apns-expiration': String(expirationSeconds(clock.now().getTime(), delivery.ttlSeconds)),
    };
    if (delivery.collapseKey) headers['apns-collapse-id'] = apnsCollapseId(delivery.collapseKey);
    return headers;
  }

  function bodyFor(delivery: PushDelivery): string {
    const { payload } = delivery;
    const aps: Record<string, unknown> = {
      alert: { title: clipLine(payload.title, TITLE_MAX_CHARS), body: clipLine(payload.body, BODY_MAX_CHARS) },
      badge: delivery.badge,
    };
    if (platformPriority(delivery.urgency).sound) aps.sound = 'default';
    if (payload.conversationId !== undefined) aps['thread-id'] = String(payload.conversationId);
    return JSON.stringify({ aps, type: payload.type, conversationId: payload.conversationId, messageId: payload.messageId, url: payload.url });
  }

  function configProblem(reason: string): PushOutcome {
    options.logger?.error({ push: 'apns', reason }, 'APNs refused the provider token: check APNS_KEY, APNS_KEY_ID and APNS_TEAM_ID');
    return { outcome: 'retry', reason };
  }

  async function send(device: TPushDeviceRow, delivery: PushDelivery): Promise<PushOutcome> {
    if (closed) return { outcome: 'retry', reason: 'APNs sender closed' };
    if (!device.token || !/^[0-9a-fA-F]{16,200}$/.test(device.token)) return { outcome: 'gone', reason: 'APNs device token is not hex' };
    if (!device.topic) return { outcome: 'gone', reason: 'APNs device without a topic' };
    const path = `/3/device/${device.token}`;
    const body = bodyFor(delivery);
    try {
      let token = providerToken();
      let answer = await requestWithReconnect(path, headersFor(device, delivery, token), body);
      if (answer.status === 403 && reasonOf(answer) === 'ExpiredProviderToken') {
        // Renew only the token that was refused: concurrent sends must not each renew it.
        if (jwt?.value === token) jwt = null;
        token = providerToken();
        answer = await requestWithReconnect(path, headersFor(device, delivery, token), body);
      }
      return outcomeOf(answer, clock.now().getTime(), configProblem);
    } catch (error) {
      return {
        outcome: 'retry',
        reason: `APNs request failed: ${error instanceof Error && error.message === 'timeout' ? 'timeout' : describeNetworkError(error)}`,
      };
    }
  }

  async function close(): Promise<void> {
    closed = true;
    const open = current?.session;
    current = null;
    if (open && !open.closed) await new Promise<void>((resolve) => open.close(resolve));
  }

  return { kind: 'apns', send, close };
}

function reasonOf(answer: Answer): string {
  try {
    const parsed = JSON.parse(answer.body) as { reason?: unknown };
    return typeof parsed.reason === 'string' ? parsed.reason.slice(0, 60) : '';
  } catch {
    return '';
  }
}

/** Apple's answer as an outcome; see docs/push-native.md for the table. */
function outcomeOf(answer: Answer, nowMs: number, configProblem: (reason: string) => PushOutcome): PushOutcome {
  if (answer.status === 200) {
    const id = answer.headers['apns-id'];
    return typeof id === 'string' ? { outcome: 'sent', id } : { outcome: 'sent' };
  }
  const reason = reasonOf(answer);
  const text = `APNs ${answer.status} ${reason}`.trim();
  if (answer.status === 410 || (answer.status === 400 && (reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic')))
    return { outcome: 'gone', reason: text };
  if (answer.status === 429 || answer.status >= 500) {
    const retryAfter = answer.headers['retry-after'];
    return { outcome: 'retry', reason: text, retryAfterMs: retryAfterMs(typeof retryAfter === 'string' ? retryAfter : undefined, nowMs) };
  }
  if (answer.status === 403) return configProblem(text);
  return { outcome: 'rejected', reason: text };
}
