import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import type { AnyRouter } from '@trpc/server';
import { applyWSSHandler, type CreateWSSContextFn, type Encoder, type WSSHandlerOptions } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { acceptUncompressedFrames, frameEncoder } from './frame-encoder';
import { coalesceWrites } from './write-coalescing';

/** What the transport logs: a client's mistakes as warnings. */
export interface TransportLogger {
  warn(details: object, message: string): void;
}

export interface WebSocketOptions<TRouter extends AnyRouter> {
  path: string;
  router: TRouter;
  createContext: CreateWSSContextFn<TRouter>;
  onError?: WSSHandlerOptions<TRouter>['onError'];
  logger: TransportLogger;
  /** Whether an upgrade request may open a socket (its Origin). */
  allowRequest: (req: IncomingMessage) => boolean;
  maxPayloadBytes: number;
  pingMs: number;
  pongWaitMs: number;
  /** Close sockets with more than this queued for sending (slow consumers). */
  maxBufferedBytes: number;
  /** Offer permessage-deflate: small frames (streamed tokens) shrink to a fraction. */
  compression: boolean;
  isShuttingDown: () => boolean;
}

/**
 * Compress every frame (the default threshold of 1 KiB would skip all streamed deltas; frames of
 * events shared by many subscribers skip it, see frame-encoder) with context takeover, so each
 * frame's repeated envelope costs a few bytes. The state lives as long as the connection:
 * 2^(windowBits+2) + 2^(memLevel+9) bytes, 72 KiB here. A 16 KiB window holds about the last 140
 * deltas of a stream, so text repeats (and a `done` event's text) find earlier words; a small hash
 * (memLevel 4) costs little on frames this size. On the ai benchmark's 500-token answer the wire
 * carries 1.14× the text (1.23× with an 8 KiB window and memLevel 6, 64 KiB; 1.32× before frames
 * put their constant parts first).
 */
const deflate = {
  threshold: 0,
  serverMaxWindowBits: 14,
  zlibDeflateOptions: { level: 6, memLevel: 4 },
} as const;

/** WebSocket close code 1012: the server is restarting, reconnect. */
const SERVICE_RESTART = 1012;
/** 1013 "try again later": this socket fell too far behind; it reconnects and resumes. */
const TRY_AGAIN_LATER = 1013;

/** Serves tRPC over WebSocket on the HTTP server's upgrade requests for `path`. */
export function attachWebSockets<TRouter extends AnyRouter>(httpServer: Server, options: WebSocketOptions<TRouter>): WebSockets {
  const logger = options.logger;
  // A frame over maxPayload closes that one connection with 1009 (message too big).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: options.compression ? deflate : false });
  // Before tRPC's own listener: every socket takes the encoder's uncompressed frames, and its
  // writes of one event-loop turn go out together at the turn's end.
  wss.on('connection', (ws, req) => {
    acceptUncompressedFrames(ws);
    coalesceWrites(ws, req.socket);
  });
  const handler = applyWSSHandler({
    wss,
    router: options.router,
    // Constant parts of a frame first (they compress to one repeat); shared events written once, uncompressed.
    experimental_encoder: frameEncoder as unknown as Encoder,
    createContext: options.createContext,
    keepAlive: { enabled: true, pingMs: options.pingMs, pongWaitMs: options.pongWaitMs },
    onError: options.onError,
  });

  // A client that reads slower than we send would grow our heap without bound. Close it;
  // its client reconnects and resumes from its last event id, so it loses nothing.
  const slowConsumerCheck = setInterval(() => {
    for (const client of wss.clients) {
      if (client.bufferedAmount > options.maxBufferedBytes) {
        logger.warn({ bufferedBytes: client.bufferedAmount }, 'closing slow websocket consumer');
        client.close(TRY_AGAIN_LATER, 'slow consumer');
        setTimeout(() => client.terminate(), 2000).unref();
      }
    }
  }, 1000).unref();
  wss.on('close', () => clearInterval(slowConsumerCheck));

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
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  return {
    get clientCount(): number {
      return wss.clients.size;
    },
    /**
     * Tells every client to reconnect (tRPC's reconnect notification), gives them `graceMs`
     * to leave on their own, then closes the rest with 1012.
     */
    async drain(graceMs: number): Promise<void> {
      handler.broadcastReconnectNotification();
      const until = Date.now() + graceMs;
      while (wss.clients.size > 0 && Date.now() < until) await sleep(25);
      for (const client of wss.clients) client.close(SERVICE_RESTART, 'server restarting');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A peer that never answers the closing handshake is cut off.
      const cutOff = sleep(1000).then(() => {
        for (const client of wss.clients) client.terminate();
      });
      await Promise.race([closed, cutOff.then(() => closed)]);
    },
  };
}

export interface WebSockets {
  readonly clientCount: number;
  drain(graceMs: number): Promise<void>;
}
