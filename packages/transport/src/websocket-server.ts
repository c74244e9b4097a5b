import type { IncomingMessage, Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyRouter, inferRouterContext } from '@trpc/server';
import { applyWSSHandler, type CreateWSSContextFnOptions, type WSSHandlerOptions } from '@trpc/server/adapters/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeReasonOf, markClose, type ConnectionObserver } from './close-reasons';
import { ConnectionGuard, type ConnectionGuardOptions } from './connection-guard';
import type { EndSignal } from './end-signal';
import { frameEncoder } from './frame-encoder';
import { COMPRESSION_IDLE_MS, releaseIdleCompression } from './idle-compression';
import { KEEP_ALIVE_PING, keepAliveTickMs } from './keep-alive';
import { closeWhenSessionEnds } from './session-end';
import { tellToReconnectSpread } from './drain-spread';
import { SocketWriter } from './socket-writer';

/** What the transport logs: a client's mistakes and slow readers, as warnings. */
export interface TransportLogger {
  warn(details: object, message: string): void;
}

export interface WebSocketOptions<TRouter extends AnyRouter> extends ConnectionGuardOptions {
  path: string;
  router: TRouter;
  /** Called once per connection, with the connection's SocketWriter (for DirectFrames). */
  createContext: (opts: CreateWSSContextFnOptions & { writer: SocketWriter }) => Promise<inferRouterContext<TRouter>>;
  /** Whether a connection's context is signed in (ends its authentication deadline). */
  isAuthenticated: (ctx: inferRouterContext<TRouter>) => boolean;
  /** Aborts when the connection's session ends: the socket is then closed with 4401 (see session-end). */
  sessionEnded?: (ctx: inferRouterContext<TRouter>) => EndSignal | undefined;
  onError?: WSSHandlerOptions<TRouter>['onError'];
  logger: TransportLogger;
  /** Whether an upgrade request may open a socket (its Origin). */
  allowRequest: (req: IncomingMessage) => boolean;
  maxPayloadBytes: number;
  /** Calls one message may carry as an array; a bigger batch is refused whole. */
  maxBatchCalls: number;
  pingMs: number;
  pongWaitMs: number;
  /** Close sockets with more than this queued for sending (slow consumers). */
  maxBufferedBytes: number;
  /** Offer permessage-deflate: small frames (streamed tokens) shrink to a fraction. */
  compression: boolean;
  /** A connection quiet this long gives back its compression state (idle-compression.ts); default COMPRESSION_IDLE_MS. */
  compressionIdleMs?: number;
  isShuttingDown: () => boolean;
  /** Told of each connection opened and closed, with the reason (metrics). */
  observer?: ConnectionObserver;
}

export interface WebSockets {
  readonly clientCount: number;
  /** Sockets still waiting to authenticate. */
  readonly unauthenticatedCount: number;
  drain(graceMs: number): Promise<void>;
}

/**
 * Compress every frame (the default threshold of 1 KiB would skip all streamed deltas; frames of
 * events shared by many subscribers skip it, see frame-encoder) with context takeover, so each
 * frame's repeated envelope costs a few bytes. The state lives as long as the connection:
 * 2^(windowBits+2) + 2^(memLevel+9) bytes, 72 KiB here. A 16 KiB window holds about the last 140
 * deltas of a stream, so text repeats (and a `done` event's text) find earlier words; a small hash
 * (memLevel 4) costs little on frames this size. On a 500-token answer (`pnpm bench ai`, wire bytes
 * per text byte) the wire carries 1.14× the text (1.23× with an 8 KiB window and memLevel 6;
 * 1.32× before frames put their constant parts first).
 *
 * Idle connections give back their deflate stream (idle-compression.ts), so the 72 KiB are held
 * only by connections that talked in the last seconds. Every client is asked to compress without
 * context takeover (`clientNoContextTakeover`; RFC 7692 lets a server ask it of a client that did
 * not offer it): then its inflate stream carries nothing from one message to the next and is given
 * back too, its 32 KiB window no longer held by every idle browser (`pnpm bench idle`, compression
 * on, 10,000 connections: see docs/realtime.md). What clients send is small (calls, PONGs), so
 * the lost context costs few bytes. No `clientMaxWindowBits`: a client that does not offer it
 * (Firefox) would then get no compression at all.
 */
const deflate = {
  threshold: 0,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 14,
  zlibDeflateOptions: { level: 6, memLevel: 4 },
  // The inflate stream's output buffer (16 KiB by default), held as long as the stream: a
  // browser's idle connection keeps its inflate stream (see above), and what clients send (calls,
  // PONGs) is small; a bigger message is inflated in a few more rounds.
  zlibInflateOptions: { chunkSize: 4096 },
} as const;

/** WebSocket close code 1012: the server is restarting, reconnect. */
const SERVICE_RESTART = 1012;

/** Serves tRPC over WebSocket on the HTTP server's upgrade requests for `path`. */
export function attachWebSockets<TRouter extends AnyRouter>(httpServer: Server, options: WebSocketOptions<TRouter>): WebSockets {
  const logger = options.logger;
  // A frame over maxPayload closes that one connection with 1009 (message too big).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: options.compression ? deflate : false });
  // Weak: a context made after its socket closed (connectionParams arriving last) still finds it.
  const writers = new WeakMap<WebSocket, SocketWriter>();
  const guard = new ConnectionGuard(options);
  const observer = options.observer;
  // Before tRPC's own listener: every socket gets its writer before tRPC can send on it.
  wss.on('connection', (ws, req) => {
    writers.set(ws, new SocketWriter(ws, req.socket));
    guard.watch(ws, req);
    if (observer) {
      observer.opened();
      // `ws` reports a peer's protocol error (a frame over maxPayload: 1009) before closing.
      ws.on('error', (error: Error & { code?: string }) => markClose(ws, error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'payload_too_big' : 'error'));
      ws.once('close', (code: number) => observer.closed(closeReasonOf(ws, code)));
    }
  });
  const handler = applyWSSHandler({
    wss,
    router: options.router,
    // Constant parts of a frame first (they compress to one repeat); shared events written once, uncompressed.
    experimental_encoder: frameEncoder,
    createContext: async (opts) => {
      const writer = writers.get(opts.res);
      if (!writer) throw new Error('WebSocket without a writer');
      const ctx = await options.createContext({ ...opts, writer });
      if (options.isAuthenticated(ctx)) guard.authenticated(opts.res);
      const ended = options.sessionEnded?.(ctx);
      if (ended) closeWhenSessionEnds(opts.res, ended);
      return ctx;
    },
    // No keep-alive of tRPC's (two timers per socket): the sweep below sends its PINGs.
    maxBatchSize: options.maxBatchCalls,
    onError: (opts) => {
      // A client's malformed frame (too big, invalid UTF-8, bad opcode) closed its own socket.
      const reason = clientFrameError(opts.error.cause);
      if (reason) logger.warn({ reason }, 'websocket closed: the client sent an invalid frame');
      else options.onError?.(opts);
    },
  });

  const slowConsumerCheck = setInterval(() => {
    for (const client of wss.clients) {
      const bufferedBytes = client.bufferedAmount;
      if (writers.get(client)?.closeIfSlow(options.maxBufferedBytes)) logger.warn({ bufferedBytes }, 'closing slow websocket consumer');
    }
  }, 1000).unref();
  wss.on('close', () => clearInterval(slowConsumerCheck));
  const timing = { pingMs: options.pingMs, pongWaitMs: options.pongWaitMs };
  const keepAlive = setInterval(() => {
    const now = Date.now();
    for (const client of wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      const verdict = writers.get(client)?.keepAliveCheck(now, timing);
      if (verdict === 'ping') client.send(KEEP_ALIVE_PING);
      else if (verdict === 'terminate') client.terminate();
    }
  }, keepAliveTickMs(timing)).unref();
  wss.on('close', () => clearInterval(keepAlive));
  if (options.compression) {
    const idleCompression = setInterval(
      () => releaseIdleCompression(wss.clients, (client) => writers.get(client)),
      options.compressionIdleMs ?? COMPRESSION_IDLE_MS,
    ).unref();
    wss.on('close', () => clearInterval(idleCompression));
  }

  httpServer.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== options.path) return refuse('404 Not Found');
    if (options.isShuttingDown()) return refuse('503 Service Unavailable');
    if (!options.allowRequest(req)) {
      logger.warn({ origin: req.headers.origin }, 'websocket origin refused');
      return refuse('403 Forbidden');
    }
    if (!guard.admits(req)) {
      logger.warn({ ip: options.ipOf(req) }, 'websocket refused: too many unauthenticated sockets from one address');
      return refuse('429 Too Many Requests');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  return {
    get clientCount(): number {
      return wss.clients.size;
    },
    get unauthenticatedCount(): number {
      return guard.waitingCount;
    },
    /**
     * Tells every client to reconnect (tRPC's reconnect notification), each at its own moment
     * of the first part of `graceMs` (drain-spread.ts), gives them `graceMs` to leave on their
     * own, then closes the rest with 1012 and a retry hint spread over the same window.
     */
    async drain(graceMs: number): Promise<void> {
      // Those that leave when told to reconnect leave because of the shutdown too.
      for (const client of wss.clients) markClose(client, 'shutdown');
      const spread = tellToReconnectSpread(wss.clients, graceMs, frameEncoder.encode({ id: null, method: 'reconnect' }), () =>
        handler.broadcastReconnectNotification(),
      );
      const until = Date.now() + graceMs;
      while (wss.clients.size > 0 && Date.now() < until) await sleep(25);
      spread.stop(SERVICE_RESTART);
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A peer that never answers the closing handshake is cut off.
      const cutOff = sleep(1000).then(() => {
        for (const client of wss.clients) client.terminate();
      });
      await Promise.race([closed, cutOff.then(() => closed)]);
    },
  };
}

/** The reason `ws` gave for closing a socket whose peer broke the protocol, if that is the error. */
function clientFrameError(cause: unknown): string | null {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('WS_ERR_') ? code : null;
}
