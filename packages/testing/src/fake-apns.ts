// A local stand-in for the Apple Push Notification service: HTTP/2 over TLS (the run's trusted
// test certificate), token auth with a .p8 key it makes itself, the request checks and error
// reasons of Apple's "Handling notification responses from APNs" documentation.
import { generateKeyPairSync, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { constants, createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { testTls } from './tls-server';

export interface FakeApnsPush {
  token: string;
  /** The request headers (apns-topic, apns-priority, apns-expiration, apns-collapse-id…). */
  headers: IncomingHttpHeaders;
  payload: Record<string, unknown> & { aps: Record<string, unknown> };
  /** The provider token it came with. */
  jwt: string;
  id: string;
}

export const fakeApnsStatuses = {
  BadDeviceToken: 400,
  DeviceTokenNotForTopic: 400,
  ExpiredProviderToken: 403,
  InvalidProviderToken: 403,
  Unregistered: 410,
  PayloadTooLarge: 413,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
} as const;
export type FakeApnsReason = keyof typeof fakeApnsStatuses;

export interface FakeApns {
  /** https://localhost:<port>, for APNS_ENDPOINT. */
  url: string;
  /** The .p8 signing key (PKCS #8 PEM), its key id and the team id. */
  key: string;
  keyId: string;
  teamId: string;
  /** The bundle id device tokens belong to. */
  topic: string;
  pushes: FakeApnsPush[];
  /** Every request's status and error reason. */
  requests: { status: number; reason?: string }[];
  /** HTTP/2 sessions accepted so far. */
  sessionCount(): number;
  /** The next `count` valid requests answer `reason` (ExpiredProviderToken also expires the token used). */
  script(reason: FakeApnsReason, options?: { count?: number; retryAfter?: string }): void;
  /** The next `count` valid requests get no answer at all (until the client gives up or the fake stops). */
  hangNext(count?: number): void;
  /** Sends GOAWAY on every open session and closes them, as APNs does when it recycles a connection. */
  goAway(): Promise<void>;
  /** Cuts every connection without a word (a network failure, a crashed front end). */
  dropConnections(): void;
  stop(): Promise<void>;
}

export interface FakeApnsOptions {
  topic?: string;
  /** The fake's notion of now, for provider token age (default: the machine's clock). */
  clock?: { now(): Date };
}

const pushTypes = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk']);
const randomId = () => randomBytes(5).toString('hex').toUpperCase();

export async function startFakeApns(options: FakeApnsOptions = {}): Promise<FakeApns> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyId = randomId();
  const teamId = randomId();
  const topic = options.topic ?? 'app.chorus.ios';
  const now = () => (options.clock ?? { now: () => new Date() }).now().getTime();
  const pushes: FakeApnsPush[] = [];
  const requests: FakeApns['requests'] = [];
  const scripted: { reason: FakeApnsReason; retryAfter?: string }[] = [];
  const expiredJwts = new Set<string>();
  const hung = new Set<ServerHttp2Stream>();
  let hangs = 0;
  const sessions = new Set<ServerHttp2Session>();
  let sessionCount = 0;

  // Like APNs, one stream at a time until a request is authorized, then many: a client must queue.
  const server = createSecureServer({ ...testTls(), allowHTTP1: false, settings: { maxConcurrentStreams: 1 } });
  server.on('session', (session) => {
    sessionCount++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => handle(stream, headers, Buffer.concat(chunks)));
    stream.on('error', () => undefined);
  });

  function answer(stream: ServerHttp2Stream, status: number, reason?: string, extra: Record<string, string> = {}) {
    requests.push({ status, ...(reason ? { reason } : {}) });
    const id = randomUUID();
    if (stream.destroyed) return id;
    stream.respond({ ':status': status, 'apns-id': id, ...(reason ? { 'content-type': 'application/json' } : {}), ...extra });
    stream.end(reason ? JSON.stringify(status === 410 ? { reason, timestamp: now() } : { reason }) : undefined);
    return id;
  }

  function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) {
    const fail = (reason: string, status = 400) => answer(stream, status, reason);
    if (headers[':method'] !== 'POST') return fail('MethodNotAllowed', 405);
    const path = /^\/3\/device\/(.*)$/.exec(headers[':path'] ?? '');
    if (!path) return fail('BadPath', 404);
    const jwt = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (!jwt) return fail('MissingProviderToken', 403);
    const auth = checkJwt(jwt, publicKey, keyId, teamId, now());
    if (auth) return fail(auth, 403);
    if (expiredJwts.has(jwt)) return fail('ExpiredProviderToken', 403);
    const token = path[1] ?? '';
    if (!/^[0-9a-f]{64}$/i.test(token)) return fail('BadDeviceToken');
    if (!headers['apns-topic']) return fail('MissingTopic');
    if (headers['apns-topic'] !== topic) return fail('DeviceTokenNotForTopic');
    if (!pushTypes.has(String(headers['apns-push-type']))) return fail('InvalidPushType');
    if (headers['apns-priority'] !== undefined && !['10', '5', '1'].includes(String(headers['apns-priority']))) return fail('BadPriority');
    if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(String(headers['apns-expiration']))) return fail('BadExpirationDate');
    if (headers['apns-collapse-id'] !== undefined && Buffer.byteLength(String(headers['apns-collapse-id'])) > 64) return fail('BadCollapseId');
    if (body.length === 0) return fail('PayloadEmpty');
    if (body.length > 4096) return fail('PayloadTooLarge', 413);
    let payload: FakeApnsPush['payload'];
    try {
      payload = JSON.parse(body.toString('utf8')) as FakeApnsPush['payload'];
      if (typeof payload.aps !== 'object' || payload.aps === null) return fail('BadPayload');
    } catch {
      return fail('BadPayload');
    }
    if (hangs > 0) {
      hangs--;
      hung.add(stream);
      stream.on('close', () => hung.delete(stream));
      return;
    }
    const next = scripted.shift();
    if (next) {
      if (next.reason === 'ExpiredProviderToken') expiredJwts.add(jwt);
      return answer(stream, fakeApnsStatuses[next.reason], next.reason, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
    }
    if (stream.session && !stream.session.destroyed && stream.session.localSettings.maxConcurrentStreams === 1)
      stream.session.settings({ maxConcurrentStreams: 1000 });
    const id = answer(stream, 200);
    pushes.push({ token, headers, payload, jwt, id });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;

  const closeSessions = () => {
    for (const stream of hung) stream.close(constants.NGHTTP2_CANCEL);
    return Promise.all(
      [...sessions].map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.closed || session.destroyed) return resolve();
            session.goaway(constants.NGHTTP2_NO_ERROR);
            session.close(() => resolve());
          }),
      ),
    );
  };

  return {
    url,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId,
    teamId,
    topic,
    pushes,
    requests,
    sessionCount: () => sessionCount,
    script(reason, scriptOptions = {}) {
      for (let i = 0; i < (scriptOptions.count ?? 1); i++) scripted.push({ reason, retryAfter: scriptOptions.retryAfter });
    },
    hangNext(count = 1) {
      hangs += count;
    },
    goAway: async () => {
      await closeSessions();
    },
    dropConnections() {
      for (const session of sessions) session.destroy();
    },
    stop: async () => {
      await closeSessions();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Why APNs would refuse this provider token, or null when it is good. */
function checkJwt(jwt: string, publicKey: KeyObject, keyId: string, teamId: string, nowMs: number): string | null {
  const [header, claims, signature] = jwt.split('.');
  if (!header || !claims || !signature) return 'InvalidProviderToken';
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss?: string; iat?: number };
    if (head.alg !== 'ES256' || head.kid !== keyId || body.iss !== teamId || typeof body.iat !== 'number') return 'InvalidProviderToken';
    if (!verify('sha256', Buffer.from(`${header}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')))
      return 'InvalidProviderToken';
    if (nowMs - body.iat * 1000 > 3600_000) return 'ExpiredProviderToken';
    return null;
  } catch {
    return 'InvalidProviderToken';
  }
}
