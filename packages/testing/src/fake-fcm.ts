// A local stand-in for Firebase Cloud Messaging's HTTP v1 API and Google's OAuth token endpoint.
// It makes its own service account (an RSA key pair), checks the signed JWT assertion like
// Google does, hands out expiring bearer tokens, and checks the bearer and message shape of
// every messages:send the way FCM answers it (error bodies as in FCM's reference).
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFcmMessage } from './fake-fcm-shape';

export interface FakeFcmMessage {
  /** The `message` object as sent. */
  message: Record<string, unknown> & { token: string };
  /** The bearer it came with. */
  accessToken: string;
  name: string;
}

/** What the next messages:send answers instead of accepting (each taken once). */
export type FakeFcmAnswer =
  | { kind: 'unregistered' }
  | { kind: 'invalid-token' }
  | { kind: 'quota'; retryAfter?: string }
  | { kind: 'unavailable'; retryAfter?: string }
  /** 401 and the bearer used is revoked, as when Google ends a token early. */
  | { kind: 'unauthenticated' }
  | { kind: 'sender-id-mismatch' }
  /** No answer at all, until the client gives up or the fake stops. */
  | { kind: 'hang' }
  /** 400 for the message itself (over FCM's 4 KB limit), not its token. */
  | { kind: 'message-too-big' };

export interface FakeFcm {
  /** The FCM endpoint base URL (what FCM_ENDPOINT would hold). */
  url: string;
  /** A service account key file's fields, token_uri pointing at this server. */
  serviceAccount: Record<string, string>;
  serviceAccountJson: string;
  projectId: string;
  messages: FakeFcmMessage[];
  /** Access tokens issued, in order. */
  issuedTokens: string[];
  /** Every request: path, status, and FCM's error status or OAuth error. */
  requests: { path: string; status: number; error?: string }[];
  script(answer: FakeFcmAnswer, count?: number): void;
  /** Every token issued so far now answers 401. */
  revokeTokens(): void;
  stop(): Promise<void>;
}

export interface FakeFcmOptions {
  projectId?: string;
  /** Lifetime of issued access tokens (Google: 3600). */
  tokenLifetimeSeconds?: number;
  /** The fake's notion of now, for assertion times and token expiry (default: the machine's clock). */
  clock?: { now(): Date };
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export async function startFakeFcm(options: FakeFcmOptions = {}): Promise<FakeFcm> {
  const projectId = options.projectId ?? 'chorus-test';
  const nowMs = () => (options.clock ?? { now: () => new Date() }).now().getTime();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const privateKeyId = randomBytes(20).toString('hex');
  const tokens = new Map<string, number>();
  const answers: FakeFcmAnswer[] = [];
  const fake = {
    messages: [] as FakeFcmMessage[],
    issuedTokens: [] as string[],
    requests: [] as FakeFcm['requests'],
  };
  let tokenUri = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const reply = (status: number, json: unknown, error?: string, headers: Record<string, string> = {}) => {
        fake.requests.push({ path, status, ...(error ? { error } : {}) });
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(json));
      };
      if (req.method === 'POST' && path === '/token') return token(req, body, reply);
      if (req.method === 'POST' && path === `/v1/projects/${projectId}/messages:send`) return send(req, body, reply);
      reply(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }, 'NOT_FOUND');
    });
  });

  type Reply = (status: number, json: unknown, error?: string, headers?: Record<string, string>) => void;

  function token(req: IncomingMessage, body: string, reply: Reply) {
    const deny = (description: string) => reply(400, { error: 'invalid_grant', error_description: description }, 'invalid_grant');
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return reply(400, { error: 'invalid_request' }, 'invalid_request');
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== GRANT) return reply(400, { error: 'unsupported_grant_type' }, 'unsupported_grant_type');
    const claims = verifyRs256(form.get('assertion') ?? '', publicKey, privateKeyId);
    if (!claims) return deny('Invalid JWT Signature.');
    const now = Math.floor(nowMs() / 1000);
    if (claims.iss !== clientEmail) return deny('Invalid issuer.');
    if (claims.aud !== tokenUri) return deny('Invalid JWT audience.');
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SCOPE)) return deny('Missing scope.');
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return deny('Missing iat or exp.');
    if (claims.iat > now + 300 || claims.exp <= now || claims.exp - claims.iat > 3600)
      return deny('Invalid JWT: token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    const lifetime = options.tokenLifetimeSeconds ?? 3600;
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    tokens.set(accessToken, nowMs() + lifetime * 1000);
    fake.issuedTokens.push(accessToken);
    reply(200, { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' });
  }

  function fcmError(reply: Reply, status: number, statusName: string, message: string, details: unknown[] = [], headers: Record<string, string> = {}) {
    reply(status, { error: { code: status, message, status: statusName, details } }, statusName, headers);
  }

  function send(req: IncomingMessage, body: string, reply: Reply) {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = bearer ? tokens.get(bearer) : undefined;
    if (!bearer || expiresAt === undefined || expiresAt <= nowMs()) {
      return fcmError(reply, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    let parsed: { message?: unknown };
    try {
      parsed = JSON.parse(body) as { message?: unknown };
    } catch {
      return fcmError(reply, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const violations = checkFcmMessage(parsed.message);
    if (violations.length > 0) {
      const fieldViolations = violations.map(([field, description]) => ({ field, description }));
      return fcmError(reply, 400, 'INVALID_ARGUMENT', violations[0]?.[1] ?? 'Invalid argument', [
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations },
      ]);
    }
    const fcm = (errorCode: string) => ({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode });
    const answer = answers.shift();
    switch (answer?.kind) {
      case 'unregistered':
        return fcmError(reply, 404, 'NOT_FOUND', 'Requested entity was not found.', [fcm('UNREGISTERED')]);
      case 'invalid-token':
        return fcmError(reply, 400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', [fcm('INVALID_ARGUMENT')]);
      case 'quota':
        return fcmError(
          reply,
          429,
          'RESOURCE_EXHAUSTED',
          'Quota exceeded.',
          [fcm('QUOTA_EXCEEDED')],
          answer.retryAfter ? { 'retry-after': answer.retryAfter } : {},
        );
      case 'unavailable':
        return fcmError(
          reply,
          503,
          'UNAVAILABLE',
          'The service is currently unavailable.',
          [fcm('UNAVAILABLE')],
          answer.retryAfter ? { 'retry-after': answer.retryAfter } : {},
        );
      case 'unauthenticated':
        tokens.delete(bearer);
        return fcmError(reply, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', [fcm('THIRD_PARTY_AUTH_ERROR')]);
      case 'hang':
        return;
      case 'message-too-big':
        return fcmError(reply, 400, 'INVALID_ARGUMENT', 'Message is too big', [
          fcm('INVALID_ARGUMENT'),
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message', description: 'Message is too big' }] },
        ]);
      case 'sender-id-mismatch':
        return fcmError(reply, 403, 'PERMISSION_DENIED', 'SenderId mismatch', [fcm('SENDER_ID_MISMATCH')]);
    }
    const name = `projects/${projectId}/messages/${randomBytes(8).toString('hex')}`;
    fake.messages.push({ message: parsed.message as FakeFcmMessage['message'], accessToken: bearer, name });
    reply(200, { name });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUri = `${url}/token`;
  const serviceAccount = {
    type: 'service_account',
    project_id: projectId,
    private_key_id: privateKeyId,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: String(randomBytes(8).readBigUInt64BE()),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  };
  return Object.assign(fake, {
    url,
    serviceAccount,
    serviceAccountJson: JSON.stringify(serviceAccount),
    projectId,
    script(answer: FakeFcmAnswer, count = 1) {
      for (let i = 0; i < count; i++) answers.push(answer);
    },
    revokeTokens() {
      tokens.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** The claims of an RS256 JWT whose signature `publicKey` verifies, or null. */
function verifyRs256(jwt: string, publicKey: KeyObject, kid: string): Record<string, unknown> | null {
  const [header, claims, signature] = jwt.split('.');
  if (!header || !claims || !signature) return null;
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    if (head.alg !== 'RS256' || (head.kid !== undefined && head.kid !== kid)) return null;
    if (!verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))) return null;
    return JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
