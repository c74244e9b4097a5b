import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeResendMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** The HTTP request headers, lower-cased (authorization, idempotency-key, user-agent…). */
  headers: IncomingHttpHeaders;
  /** The mail's own extra headers (the API's `headers` field), e.g. List-Unsubscribe. */
  mailHeaders: Record<string, string>;
}

export interface FakeResendRequest {
  method: string;
  path: string;
  status: number;
  idempotencyKey: string | null;
}

export interface FakeResend {
  /** Pass as the driver's baseUrl (what RESEND_BASE_URL would hold). */
  url: string;
  apiKey: string;
  /** Every accepted email, in arrival order (idempotent replays are not repeated). */
  messages: FakeResendMessage[];
  /** Every request with the status it got, failures included. */
  requests: FakeResendRequest[];
  /** The next `count` requests get `status` with Resend's error JSON. */
  failNext(count: number, status?: number): void;
  /** The first message, already received or still to come, that matches. */
  waitForMessage(predicate?: (message: FakeResendMessage) => boolean, timeoutMs?: number): Promise<FakeResendMessage>;
  extractCode(message: FakeResendMessage): string;
  stop(): Promise<void>;
}

const errorNames: Record<number, string> = {
  400: 'validation_error',
  401: 'missing_api_key',
  403: 'invalid_api_key',
  404: 'not_found',
  409: 'invalid_idempotent_request',
  422: 'missing_required_field',
  429: 'rate_limit_exceeded',
  500: 'internal_server_error',
};

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');

/** The 6-digit one-time code in a message's text body. */
export function extractCode(message: FakeResendMessage): string {
  const match = /\b(\d{6})\b/.exec(message.text ?? '');
  if (!match?.[1]) throw new Error(`no 6-digit code in mail "${message.subject}"`);
  return match[1];
}

/** A local server speaking enough of the Resend API for the SDK's `emails.send`. */
export async function startFakeResend(options: { apiKey?: string } = {}): Promise<FakeResend> {
  const apiKey = options.apiKey ?? `re_test_${randomUUID().replaceAll('-', '')}`;
  const messages: FakeResendMessage[] = [];
  const requests: FakeResendRequest[] = [];
  const waiters = new Set<(message: FakeResendMessage) => void>();
  const idempotent = new Map<string, { body: string; id: string }>();
  const failures: number[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      const reply = (status: number, body: unknown) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', status, idempotencyKey });
        send(res, status, body);
      };
      const fail = (status: number, message: string) => reply(status, { statusCode: status, message, name: errorNames[status] ?? 'application_error' });

      const auth = req.headers.authorization;
      if (!auth?.startsWith('Bearer ')) return fail(401, 'Missing API key in the authorization header.');
      if (auth.slice('Bearer '.length) !== apiKey) return fail(403, 'API key is invalid.');
      const injected = failures.shift();
      if (injected !== undefined) return fail(injected, `Injected failure ${injected}.`);
      if (req.method !== 'POST' || req.url !== '/emails') return fail(404, 'The requested endpoint does not exist.');

      const raw = Buffer.concat(chunks).toString('utf8');
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return fail(400, 'Invalid JSON body.');
      }
      const missing = ['from', 'to', 'subject'].find((field) => !payload[field]);
      if (missing) return fail(422, `Missing \`${missing}\` field.`);
      if (!payload.text && !payload.html) return fail(422, 'Missing `html` or `text` field.');

      if (idempotencyKey) {
        const earlier = idempotent.get(idempotencyKey);
        if (earlier && earlier.body !== raw) return fail(409, 'Same idempotency key used with a different request payload.');
        if (earlier) return reply(200, { id: earlier.id });
      }
      const str = (value: unknown) => (typeof value === 'string' ? value : null);
      const message: FakeResendMessage = {
        id: randomUUID(),
        from: String(payload.from),
        to: Array.isArray(payload.to) ? payload.to.map(String) : [String(payload.to)],
        subject: String(payload.subject),
        text: str(payload.text),
        html: str(payload.html),
        headers: req.headers,
        mailHeaders: isStringRecord(payload.headers) ? payload.headers : {},
      };
      if (idempotencyKey) idempotent.set(idempotencyKey, { body: raw, id: message.id });
      messages.push(message);
      reply(200, { id: message.id });
      for (const waiter of waiters) waiter(message);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    messages,
    requests,
    failNext(count, status = 500) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    waitForMessage(predicate = () => true, timeoutMs = 5_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake Resend: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const waiter = (message: FakeResendMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        waiters.add(waiter);
      });
    },
    extractCode,
    async stop() {
      // The SDK's fetch keeps connections alive; close them or `close` waits for their timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
