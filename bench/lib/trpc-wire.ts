// The one client of tRPC's WebSocket protocol the load processes speak: the messages
// @chorus/client's wsLink sends (connectionParams with the session token, calls, subscriptions
// and their stop, `lastEventId` on a resumed subscription) and the answers it reads (results,
// tracked events, errors; superjson's envelope unwrapped). No links, observables or superjson
// pass: per received frame one JSON.parse and a few property reads, so the client side of a
// measurement costs the same in every benchmark, and as little as the server allows.
//
// The caller owns the socket's 'message' listener and hands each text frame to `receive`, so
// it can count and time frames around it at no extra cost (`TrpcWire.open` does that for
// callers that only make calls).
import WebSocket from 'ws';

/** The WebSocket URL of a Chorus server, with connection params (the session token) expected. */
export const chorusWs = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/trpc?connectionParams=1`;

/** superjson's envelope. Plain JSON travels as `json` alone; `meta` says how to revive the rest (Dates…), which no load process needs. */
export interface SuperJson<T = unknown> {
  json: T;
  meta?: unknown;
}

interface ErrorShape {
  message?: string;
  code?: number;
  data?: { code?: string; appCode?: string };
}

/** What the server sends: an answer or subscription message for request `id`. */
export interface TrpcMessage {
  id?: number | string | null;
  result?: { type?: 'started' | 'stopped' | 'data'; id?: string; data?: SuperJson };
  /** The error shape, in superjson's envelope (the server's transformer serializes errors too). */
  error?: SuperJson<ErrorShape> | ErrorShape;
}

/** The input as superjson sends plain JSON. */
const wrap = (input: unknown) => ({ json: input });

export const connectionParamsFrame = (token: string): string => JSON.stringify({ method: 'connectionParams', data: { token } });
export const callFrame = (id: number, method: 'query' | 'mutation', path: string, input: unknown): string =>
  JSON.stringify({ id, method, params: { path, input: wrap(input) } });
/** As wsLink resumes a tracked subscription: the last event's id merged into the input. */
export const subscriptionFrame = (id: number, path: string, input: unknown, lastEventId?: string): string =>
  JSON.stringify({ id, method: 'subscription', params: { path, input: wrap(lastEventId === undefined ? input : { ...(input as object), lastEventId }) } });
export const stopFrame = (id: number): string => JSON.stringify({ id, method: 'subscription.stop' });

/** An error message's text, from its shape inside superjson's envelope (or bare). */
export function errorText(error: NonNullable<TrpcMessage['error']>): string {
  const shape: ErrorShape = 'json' in error ? error.json : error;
  const code = shape.data?.appCode ?? shape.data?.code;
  return `tRPC error: ${shape.message ?? JSON.stringify(error)}${code ? ` (${code})` : ''}`;
}

/** Called once: with an error's text, or with none and the result's data (superjson's `{ json, meta }`). */
export type CallDone = (error?: string, data?: SuperJson) => void;

export interface SubscriptionHandlers {
  /** A value the subscription yielded; a tracked event comes as its data, with its id. */
  data(event: unknown, trackedId: string | undefined): void;
  /** The server ended it with an error. Without this handler, `receive` throws the error's text. */
  error?(text: string): void;
  /** The server confirmed its end (after a stop, or when the procedure returned). */
  stopped?(): void;
}

interface Subscription {
  id: number;
  path: string;
  input: unknown;
  handlers: SubscriptionHandlers;
  /** Id of the last tracked event received: a resubscription resumes after it. */
  lastEventId: string | undefined;
}

export class TrpcWire {
  private readonly calls = new Map<number, CallDone>();
  /** The latest subscription is looked up by one comparison (sockets of the benchmarks hold one); any others in the map. */
  private latest: Subscription | undefined;
  private readonly subscriptions = new Map<number, Subscription>();
  /** Frames written before the socket opened, sent once it does. */
  private queued: string[] | undefined;
  private nextId = 1;

  /** Speaks tRPC on `ws` (open or still connecting) for the session `token`. */
  constructor(
    readonly ws: WebSocket,
    token: string,
  ) {
    if (ws.readyState === WebSocket.OPEN) ws.send(connectionParamsFrame(token));
    else {
      this.queued = [connectionParamsFrame(token)];
      ws.once('open', () => {
        const frames = this.queued ?? [];
        this.queued = undefined;
        for (const frame of frames) ws.send(frame);
      });
    }
    ws.on('close', () => this.failCalls('socket closed before the answer'));
  }

  /** Opens its own socket to `httpUrl`'s /trpc for calls only; with `deflate`, offering permessage-deflate as browsers do. */
  static open(httpUrl: string, token: string, options: { timeoutMs?: number; deflate?: boolean } = {}): Promise<TrpcWire> {
    const ws = new WebSocket(chorusWs(httpUrl), { perMessageDeflate: options.deflate ?? false });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tRPC socket: not open in time')), options.timeoutMs ?? 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        const wire = new TrpcWire(ws, token);
        ws.on('message', (data: Buffer) => wire.receive(data.toString()));
        resolve(wire);
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Handles one text frame from the server: answers a keep-alive PING (returns undefined),
   * settles the call it answers or feeds its subscription, and returns the message.
   */
  receive(frame: string): TrpcMessage | undefined {
    if (frame === 'PING') {
      this.ws.send('PONG');
      return undefined;
    }
    const msg = JSON.parse(frame) as TrpcMessage;
    const id = msg.id as number;
    const sub = id === this.latest?.id ? this.latest : this.subscriptions.size > 0 ? this.subscriptions.get(id) : undefined;
    if (sub) {
      const result = msg.result;
      if (result?.type === 'data') {
        const trackedId = result.id;
        if (trackedId === undefined) sub.handlers.data(result.data?.json, undefined);
        else {
          sub.lastEventId = trackedId;
          sub.handlers.data((result.data?.json as { data?: unknown } | undefined)?.data, trackedId);
        }
      } else if (msg.error) {
        this.forget(sub);
        const text = errorText(msg.error);
        if (!sub.handlers.error) throw new Error(text);
        sub.handlers.error(text);
      } else if (result?.type === 'stopped') {
        this.forget(sub);
        sub.handlers.stopped?.();
      }
      return msg;
    }
    const done = this.calls.get(id);
    if (done) {
      this.calls.delete(id);
      if (msg.error) done(errorText(msg.error));
      else done(undefined, msg.result?.data);
    }
    return msg;
  }

  call(method: 'query' | 'mutation', path: string, input: unknown, done: CallDone): void {
    if (this.ws.readyState > WebSocket.OPEN) return done('tRPC socket is not open');
    const id = this.nextId++;
    this.calls.set(id, done);
    this.send(callFrame(id, method, path, input));
  }

  mutation(path: string, input: unknown, done: CallDone): void {
    this.call('mutation', path, input, done);
  }

  /** A query; resolves with its superjson result. */
  query(path: string, input: unknown): Promise<SuperJson | undefined> {
    return new Promise((resolve, reject) => this.call('query', path, input, (error, data) => (error ? reject(new Error(error)) : resolve(data))));
  }

  /** Starts a subscription (resuming after `lastEventId` when given); returns its request id. */
  subscribe(path: string, input: unknown, handlers: SubscriptionHandlers, lastEventId?: string): number {
    const sub: Subscription = { id: this.nextId++, path, input, handlers, lastEventId };
    if (this.latest) this.subscriptions.set(this.latest.id, this.latest);
    this.latest = sub;
    this.send(subscriptionFrame(sub.id, path, input, lastEventId));
    return sub.id;
  }

  /** Asks the server to end subscription `id`; its `stopped` handler runs when the server confirms. */
  unsubscribe(id: number): void {
    this.send(stopFrame(id));
  }

  /** Id of the last tracked event subscription `id` received (what a resubscription passes on). */
  lastEventIdOf(id: number): string | undefined {
    return (id === this.latest?.id ? this.latest : this.subscriptions.get(id))?.lastEventId;
  }

  close(): void {
    this.ws.close();
    this.failCalls('tRPC socket closed');
  }

  private send(frame: string): void {
    if (this.queued) this.queued.push(frame);
    else this.ws.send(frame);
  }

  private forget(sub: Subscription): void {
    if (sub === this.latest) this.latest = undefined;
    else this.subscriptions.delete(sub.id);
  }

  private failCalls(error: string): void {
    const all = [...this.calls.values()];
    this.calls.clear();
    for (const done of all) done(error);
  }
}
