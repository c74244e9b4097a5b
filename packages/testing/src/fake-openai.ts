import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeOpenAiReply {
  /** Pieces streamed one per chunk (for non-stream calls they are joined). Default: ['Hello', ' world'] */
  tokens?: string[];
  /** Tokens per second when streaming (default 1000 = 1 ms apart). */
  tokensPerSecond?: number;
  /** Answer with this HTTP status and an OpenAI-shaped error body instead (429 adds `retry-after: 1`). */
  failStatus?: number;
  /** Stream this many tokens, then destroy the socket without finishing (a drop mid-stream). */
  dropAfter?: number;
  /** Stream this many tokens, then send nothing more until the client aborts; 0 = hang before the headers. */
  hangAfter?: number;
  finishReason?: 'stop' | 'length';
  /** Whether to send the final usage chunk when the request asks `stream_options.include_usage` (default true). */
  usage?: boolean;
}

/** A chat message as Chorus sends it: its content is always text. */
export interface FakeChatMessage {
  role: string;
  content: string;
}

/**
 * A request's JSON body as the SDK sends it, with the fields tests read typed. Nothing checks
 * it on arrival (the fake answers a malformed one as OpenAI would), so every field is optional.
 */
export interface FakeOpenAiBody {
  model?: string;
  messages?: FakeChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  [field: string]: unknown;
}

export interface FakeOpenAiRequest {
  path: string;
  /** The bearer token received, right or wrong. */
  apiKey: string | null;
  /** The parsed JSON body: null for none, undefined when it was not JSON. */
  body: FakeOpenAiBody | null | undefined;
  receivedAt: number;
}

export interface FakeOpenAi {
  /** Base URL for the SDK's `baseURL`, ending in /v1. */
  url: string;
  /** The one key accepted. */
  apiKey: string;
  /** Accepted model names. */
  models: string[];
  /** Every request received, in order, failures included. */
  requests: FakeOpenAiRequest[];
  /** Replies consumed one per chat completion request (so SDK retries take the next); then `defaultReply`. */
  enqueue(...replies: FakeOpenAiReply[]): void;
  /** Decide per request; wins over the queue when it returns a reply, `undefined` falls back. */
  respondWith(fn: ((req: FakeOpenAiRequest) => FakeOpenAiReply | undefined) | null): void;
  defaultReply: FakeOpenAiReply;
  /** When set, image generations fail with this status. */
  imageFailStatus?: number;
  /**
   * The first request, already received or still to come, that matches (default: any chat completion).
   * It resolves once the body is read, i.e. when the reply starts — "generation started".
   */
  waitForRequest(predicate?: (req: FakeOpenAiRequest) => boolean, timeoutMs?: number): Promise<FakeOpenAiRequest>;
  /** Streaming responses not yet ended (hanging ones included). */
  openStreams(): number;
  /** Streaming responses whose client went away before the end (drops we cause are not counted). */
  aborted: number;
  close(): Promise<void>;
}

// A valid 1x1 RGBA PNG: enough for anything that sniffs or decodes the bytes.
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG_PATH = '/v1/files/fake.png';
const isChat = (req: FakeOpenAiRequest) => req.path.startsWith('/v1/chat/completions');

/** A local server speaking enough of the OpenAI API for the `openai` SDK: chat (streamed or not), images, models. */
export async function startFakeOpenAi(options: { apiKey?: string; models?: string[]; defaultReply?: FakeOpenAiReply } = {}): Promise<FakeOpenAi> {
  const queue: FakeOpenAiReply[] = [];
  const waiters = new Set<(req: FakeOpenAiRequest) => void>();
  const streams = new Set<ServerResponse>();
  let decide: ((req: FakeOpenAiRequest) => FakeOpenAiReply | undefined) | null = null;
  let closing = false;

  const server = createServer({ noDelay: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const auth = req.headers.authorization;
      const apiKey = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null;
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: FakeOpenAiBody | null | undefined = undefined; // stays undefined only for unparseable JSON
      try {
        body = raw ? (JSON.parse(raw) as FakeOpenAiBody) : null;
      } catch {
        // answered below as OpenAI answers a body it cannot parse
      }
      const request: FakeOpenAiRequest = { path: req.url ?? '', apiKey, body, receivedAt: Date.now() };
      fake.requests.push(request);
      for (const waiter of waiters) waiter(request);
      if (body === undefined) return fail(res, 400, 'We could not parse the JSON body of your request.');
      route(req.method ?? '', request, res).catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else fail(res, 500, `fake OpenAI crashed: ${String(error)}`);
      });
    });
  });

  async function route(method: string, request: FakeOpenAiRequest, res: ServerResponse): Promise<void> {
    const path = request.path.split('?')[0] ?? '';
    const body = request.body as Record<string, unknown> | null;
    // Image URLs point at unauthenticated storage, as the real ones do.
    if (method === 'GET' && path === PNG_PATH) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(Buffer.from(PNG_BASE64, 'base64'));
    }
    if (request.apiKey !== fake.apiKey) {
      // Real OpenAI echoes (part of) the key it got: tests use this to prove upstream bodies never leak.
      const message = request.apiKey === null ? "You didn't provide an API key." : `Incorrect API key provided: ${request.apiKey}.`;
      return fail(res, 401, message, 'invalid_api_key');
    }
    if (method === 'GET' && path === '/v1/models') {
      const data = fake.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' }));
      return send(res, 200, { object: 'list', data });
    }
    const chat = method === 'POST' && path === '/v1/chat/completions';
    const images = method === 'POST' && path === '/v1/images/generations';
    if (!chat && !images) return fail(res, 404, `Invalid URL (${method} ${path})`);
    const model = body?.model;
    // Image calls may omit the model; chat calls may not.
    if ((chat || model !== undefined) && (typeof model !== 'string' || !fake.models.includes(model))) {
      return fail(res, 404, `The model \`${String(model)}\` does not exist or you do not have access to it.`, 'model_not_found');
    }
    if (images) {
      if (fake.imageFailStatus) return failWith(res, fake.imageFailStatus, String(model));
      const asUrl = body?.response_format === 'url';
      const count = typeof body?.n === 'number' ? body.n : 1;
      const image = () => (asUrl ? { url: `${fake.url.slice(0, -'/v1'.length)}${PNG_PATH}` } : { b64_json: PNG_BASE64 });
      return send(res, 200, { created: now(), data: Array.from({ length: count }, image) });
    }

    const reply = decide?.(request) ?? queue.shift() ?? fake.defaultReply;
    if (reply.failStatus) return failWith(res, reply.failStatus, String(model));
    const tokens = reply.tokens ?? ['Hello', ' world'];
    const promptTokens = countPromptTokens(body?.messages);
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const finishReason = reply.finishReason ?? 'stop';
    const base = { id: `chatcmpl-${randomUUID()}`, created: now(), model, system_fingerprint: null };

    if (body?.stream !== true) {
      if (reply.hangAfter !== undefined) return; // keep the socket open until the client gives up
      if (reply.dropAfter !== undefined) return void res.destroy();
      const message = { role: 'assistant', content: tokens.join(''), refusal: null };
      return send(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage });
    }

    let gone = false;
    let dropped = false;
    streams.add(res);
    res.on('close', () => {
      gone = true;
      streams.delete(res);
      if (!res.writableEnded && !dropped && !closing) fake.aborted++;
    });
    if (reply.hangAfter === 0) return;

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const chunk = (delta: object, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(wantsUsage ? { usage: null } : {}),
    });
    // Resolves once the bytes reached the socket, so a drop never swallows what was "sent".
    const write = (data: unknown) =>
      new Promise<void>((resolve) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve()));

    let flushed = write(chunk({ role: 'assistant', content: '', refusal: null }, null));
    const cut = Math.min(reply.dropAfter ?? Infinity, reply.hangAfter ?? Infinity);
    const gapMs = 1000 / (reply.tokensPerSecond ?? 1000);
    for (let i = 0; i < Math.min(cut, tokens.length); i++) {
      if (i > 0) await sleep(gapMs);
      if (gone) return;
      flushed = write(chunk({ content: tokens[i] }, null));
    }
    if (cut !== Infinity) {
      if (cut !== reply.dropAfter) return; // hang: nothing more, the 'close' handler counts the abort
      await flushed;
      dropped = true;
      return void res.destroy();
    }
    if (gone) return;
    void write(chunk({}, finishReason));
    if (wantsUsage && reply.usage !== false) void write({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    void write('[DONE]');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeOpenAi = {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey: options.apiKey ?? `sk-test-${randomUUID().replaceAll('-', '')}`,
    models: options.models ?? ['fake-model', 'fake-image-model'],
    requests: [],
    enqueue(...replies) {
      queue.push(...replies);
    },
    respondWith(fn) {
      decide = fn;
    },
    defaultReply: options.defaultReply ?? {},
    waitForRequest(predicate = isChat, timeoutMs = 5_000) {
      const found = fake.requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake OpenAI: no matching request within ${timeoutMs} ms (${fake.requests.length} received)`));
        }, timeoutMs);
        const waiter = (req: FakeOpenAiRequest) => {
          if (!predicate(req)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(req);
        };
        waiters.add(waiter);
      });
    },
    openStreams: () => streams.size,
    aborted: 0,
    async close() {
      closing = true;
      // The SDK's fetch keeps connections alive, and hanging streams never end on their own.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}

const now = () => Math.floor(Date.now() / 1000);

/** Roughly four characters per token, like OpenAI's rule of thumb. */
function countPromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let chars = 0;
  for (const message of messages as { content?: unknown }[]) {
    const content = message?.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content as { text?: unknown }[]) if (typeof part?.text === 'string') chars += part.text.length;
  }
  return Math.ceil(chars / 4);
}

/** A scripted failure, shaped like what OpenAI sends for that status. */
function failWith(res: ServerResponse, status: number, model: string): void {
  if (status === 401) return fail(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
  if (status === 404) return fail(res, 404, `The model \`${model}\` does not exist or you do not have access to it.`, 'model_not_found');
  if (status === 429) return fail(res, 429, `Rate limit reached for ${model}. Please try again in 1s.`, 'rate_limit_exceeded', 'requests');
  if (status === 500) return fail(res, 500, 'upstream exploded', null, 'server_error');
  return fail(res, status, `fake OpenAI failure ${status}`, null, status >= 500 ? 'server_error' : 'invalid_request_error');
}

function fail(res: ServerResponse, status: number, message: string, code: string | null = null, type = 'invalid_request_error'): void {
  if (status === 429) res.setHeader('retry-after', '1');
  send(res, status, { error: { message, type, param: null, code } });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
