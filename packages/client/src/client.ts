import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import { ReconnectSchedule } from './backoff';
import { SocketIdentity } from './socket-identity';
import type { AppRouter } from './types';

type TokenSource = { token?: string | null; getToken?: () => string | null | undefined | Promise<string | null | undefined> };

export type ChorusClientOptions = TokenSource & {
  /** The server's base URL, e.g. `https://chat.example.com` (the API lives at `/trpc`). */
  url: string;
  /** A WebSocket implementation for runtimes without a global one (Node 20: pass `ws`). */
  WebSocket?: typeof globalThis.WebSocket | (new (url: string, protocols?: string | string[]) => unknown);
  /** Extra HTTP headers on every query and mutation. */
  headers?: Record<string, string>;
  /**
   * Called when the WebSocket opens or closes (for connection indicators). A close with
   * `SESSION_ENDED_CLOSE_CODE` is no drop: the session ended, the socket's subscriptions have
   * failed with UNAUTHORIZED, and no reconnect follows until the next operation.
   */
  onSocketOpen?: () => void;
  onSocketClose?: (cause?: { code?: number }) => void;
  /** Send WebSocket pings when quiet, and reconnect when no pong comes back. Default on. */
  keepAliveMs?: number;
  /** Browsers: send the session cookie on cross-origin calls. Default false. */
  withCredentials?: boolean;
  /**
   * Where queries and mutations go. `'http'` (default): batched HTTP, one request per batch.
   * `'websocket'`: on the socket that carries subscriptions (it opens on the first call), at
   * about half the server's CPU per call; a call in flight when the socket drops fails (retry
   * it; `chat.send` is idempotent by `clientId`), and a call over the server's WebSocket frame
   * limit (1 MiB by default) closes the socket. `auth.*` calls always use HTTP: they set and
   * clear the session cookie.
   */
  calls?: 'http' | 'websocket';
};

export type ChorusClient = TRPCClient<AppRouter>;

/**
 * The server closes a socket with this code when the session it connected with ends (signed out,
 * revoked, password changed, banned), right after the socket's subscriptions failed with
 * UNAUTHORIZED.
 */
export const SESSION_ENDED_CLOSE_CODE = 4401;

const sockets = new WeakMap<object, { close(): void | Promise<void> }>();

/**
 * superjson, decoding answers in place: tRPC hands over JSON it has just parsed and keeps no
 * other reference to, so the deep copy `deserialize` makes by default (as `superjson.parse`
 * skips it) only costs time and garbage, about a tenth of a millisecond for 50 messages.
 */
const transformer = {
  serialize: superjson.serialize,
  deserialize: (value: unknown) => superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0], { inPlace: true }),
};

/**
 * A typed client for every Chorus procedure: subscriptions over one WebSocket (token in
 * `connectionParams`, keep-alive, reconnect with full-jitter exponential backoff or after the
 * wait a closing server asks for), everything else over
 * batched HTTP with `Authorization: Bearer`, or over the socket too (`calls: 'websocket'`).
 * The socket opens on the first operation it carries. When `getToken` starts returning another
 * token, the socket is closed before the next operation, which opens one with the new token;
 * the old session's subscriptions end (complete), to be started again by the app.
 */
export function createChorusClient(options: ChorusClientOptions): ChorusClient {
  const base = options.url.replace(/\/+$/, '');
  const httpUrl = `${base}/trpc`;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  const resolveToken = async () => (options.getToken ? await options.getToken() : options.token) ?? null;
  const identity = new SocketIdentity(resolveToken);
  const overSocket = (op: { type: string; path: string }) => op.type === 'subscription' || (options.calls === 'websocket' && !op.path.startsWith('auth.'));

  // Full-jitter backoff, or the wait a closing server asked for (see backoff.ts).
  const schedule = new ReconnectSchedule();
  const wsClient = createWSClient({
    url: wsUrl,
    WebSocket: options.WebSocket as typeof globalThis.WebSocket | undefined,
    connectionParams: async () => {
      const token = await identity.tokenForConnect();
      return token ? { token } : {};
    },
    retryDelayMs: (attempt) => schedule.delay(attempt),
    keepAlive: { enabled: true, intervalMs: options.keepAliveMs ?? 20_000, pongTimeoutMs: 5_000 },
    // Opens on the first operation it carries; stays open 30 s after the last one so that
    // quick unsubscribe/subscribe cycles reuse the socket.
    lazy: { enabled: true, closeMs: 30_000 },
    onOpen: options.onSocketOpen,
    // Called before the client schedules its reconnect, so a hint in this close decides it.
    onClose: (cause) => {
      schedule.closed(cause);
      options.onSocketClose?.(cause);
    },
  });

  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: overSocket,
        // A fixed token never changes the socket's session; one from getToken may.
        true: options.getToken ? [identity.link(wsClient), wsLink({ client: wsClient, transformer })] : wsLink({ client: wsClient, transformer }),
        false: httpBatchLink({
          url: httpUrl,
          transformer,
          // The server's default cap on calls per batch (HTTP_MAX_BATCH); more go as several requests.
          maxItems: 50,
          headers: async () => {
            const token = await resolveToken();
            return { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
          },
          fetch: options.withCredentials ? (url: string | URL | Request, init) => fetch(url, { ...init, credentials: 'include' }) : undefined,
        }),
      }),
    ],
  });
  sockets.set(client, wsClient);
  return client;
}

/** Closes the client's WebSocket (ending its subscriptions); HTTP calls keep working. */
export async function closeChorusClient(client: ChorusClient): Promise<void> {
  await sockets.get(client)?.close();
}
