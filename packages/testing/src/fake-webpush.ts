// A push service as browsers' vendors run it (RFC 8030), on loopback over HTTPS with the test
// certificate: it checks the VAPID token (RFC 8292) and decrypts the aes128gcm body (RFC 8291,
// RFC 8188) with the subscription's private key, written here with node:crypto rather than the
// library the sender uses, so a mistake on either side shows.
import { createECDH, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decryptAes128gcm } from './webpush-decrypt';
import { testTls } from './tls-server';

export interface FakePushSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedWebPush {
  endpointId: string;
  /** The decrypted body, parsed as JSON. */
  payload: unknown;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  receivedAt: Date;
}

export interface FakeWebPushReply {
  status: number;
  /** Sent as `Retry-After`: seconds, or an HTTP date. */
  retryAfter?: number | string;
}

/** Every request, with what it got (including refusals: a bad VAPID token gets 401/403). */
export interface FakeWebPushRequest {
  endpointId: string;
  status: number;
  error: string | null;
}

export interface FakeWebPush {
  origin: string;
  /** Pushes answered 201, in arrival order. */
  received: ReceivedWebPush[];
  requests: FakeWebPushRequest[];
  /** A new browser subscription, as `PushSubscription.toJSON()` gives it, for `applicationServerKey` (default: the test VAPID key). */
  subscription(options?: { applicationServerKey?: string }): FakePushSubscription;
  /** The subscription's endpoint answers 410 from now on, as after the user revoked permission. */
  unsubscribe(endpoint: string): void;
  /** The next `count` pushes (to any endpoint) get this answer instead of being accepted; they are still decrypted and checked. */
  replyNext(count: number, reply: FakeWebPushReply): void;
  waitFor(predicate?: (push: ReceivedWebPush) => boolean, timeoutMs?: number): Promise<ReceivedWebPush>;
  stop(): Promise<void>;
}

const b64u = (bytes: Buffer) => bytes.toString('base64url');

let vapid: { publicKey: string; privateKey: string; subject: string } | undefined;

/** One VAPID key pair per test process: what test servers send with and fake subscriptions expect. */
export function testVapidKeys(): { publicKey: string; privateKey: string; subject: string } {
  if (!vapid) {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    vapid = { publicKey: b64u(point), privateKey: jwk.d!, subject: 'mailto:push-tests@chorus.test' };
  }
  return vapid;
}

interface Endpoint {
  ecdh: ECDH;
  auth: Buffer;
  applicationServerKey: string;
  gone: boolean;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed ES256 with k for this origin. */
function checkVapid(header: string | undefined, origin: string, expectedKey: string): void {
  const match = /^vapid\s+(.+)$/i.exec(header ?? '');
  if (!match) throw new Refusal(401, 'no vapid authorization');
  const params = new Map(match[1]!.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const token = params.get('t');
  const key = params.get('k');
  if (!token || !key) throw new Refusal(401, 'vapid t= or k= missing');
  if (key !== expectedKey) throw new Refusal(403, 'vapid key differs from the subscription applicationServerKey');
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) throw new Refusal(401, 'malformed JWT');
  const jose = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (jose.alg !== 'ES256') throw new Refusal(401, 'JWT alg is not ES256');
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) } });
  if (!verify('sha256', Buffer.from(`${head}.${body}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) {
    throw new Refusal(401, 'JWT signature invalid');
  }
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  if (claims.aud !== origin) throw new Refusal(401, `JWT aud ${claims.aud} is not ${origin}`);
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600 + 60) throw new Refusal(401, 'JWT exp not within 24 h');
  if (!claims.sub || !/^(mailto:|https:)/.test(claims.sub)) throw new Refusal(401, 'JWT sub missing');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startFakeWebPush(options: { host?: '127.0.0.1' | 'localhost' } = {}): Promise<FakeWebPush> {
  const endpoints = new Map<string, Endpoint>();
  const received: ReceivedWebPush[] = [];
  const requests: FakeWebPushRequest[] = [];
  const scripted: FakeWebPushReply[] = [];
  const waiters = new Set<() => void>();
  let origin = '';

  const handle = async (req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; endpointId: string; error: string | null }> => {
    const endpointId = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const body = await readBody(req);
    try {
      const endpoint = endpoints.get(endpointId);
      if (req.method !== 'POST') throw new Refusal(405, 'POST only');
      if (!endpoint) throw new Refusal(404, 'no such subscription');
      if (endpoint.gone) throw new Refusal(410, 'subscription expired or unsubscribed');
      checkVapid(req.headers.authorization, origin, endpoint.applicationServerKey);
      const ttl = Number(req.headers.ttl);
      if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0) throw new Refusal(400, 'TTL header missing or invalid');
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Refusal(415, 'Content-Encoding must be aes128gcm');
      const topic = typeof req.headers.topic === 'string' ? req.headers.topic : null;
      if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Refusal(400, 'Topic must be at most 32 URL-safe base64 characters');
      const plain = decryptAes128gcm(body, endpoint.ecdh, endpoint.auth);
      const reply = scripted.shift() ?? { status: 201 };
      if (reply.status !== 201) {
        const headers: Record<string, string> = reply.retryAfter === undefined ? {} : { 'retry-after': String(reply.retryAfter) };
        return { status: reply.status, headers, endpointId, error: 'scripted' };
      }
      const urgency = typeof req.headers.urgency === 'string' ? req.headers.urgency : null;
      received.push({ endpointId, payload: JSON.parse(plain.toString('utf8')), ttl, urgency, topic, receivedAt: new Date() });
      for (const wake of waiters) wake();
      return { status: 201, headers: { location: `${origin}/message/${randomUUID()}` }, endpointId, error: null };
    } catch (error) {
      const status = error instanceof Refusal ? error.status : 400;
      return { status, headers: {}, endpointId, error: error instanceof Error ? error.message : String(error) };
    }
  };

  const server: Server = createServer(testTls(), (req, res) => {
    void handle(req).then(({ status, headers, endpointId, error }) => {
      requests.push({ endpointId, status, error });
      res.writeHead(status, headers).end(error && error !== 'scripted' ? error : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    requests,
    subscription(subscribe = {}) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomUUID();
      endpoints.set(id, { ecdh, auth, applicationServerKey: subscribe.applicationServerKey ?? testVapidKeys().publicKey, gone: false });
      return { endpoint: `${origin}/push/${id}`, expirationTime: null, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    unsubscribe(endpoint) {
      const entry = endpoints.get(endpoint.slice(endpoint.lastIndexOf('/') + 1));
      if (entry) entry.gone = true;
    },
    replyNext(count, reply) {
      for (let i = 0; i < count; i++) scripted.push(reply);
    },
    waitFor(predicate = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching push within ${timeoutMs} ms (received ${received.length}, requests ${JSON.stringify(requests.slice(-5))})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
