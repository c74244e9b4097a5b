import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AI_IMAGE_PATH,
  appRouter,
  clientAddress,
  createHttpContextFactory,
  createWsContextFactory,
  DEFAULT_MAX_BATCH_CALLS,
  limitBatchSize,
  serveAiImage,
  type AppDeps,
} from '@chorus/api';
import { createFilesHttpHandler, FILES_PATH } from '@chorus/api';
import { createUnsubscribeHandler, UNSUBSCRIBE_PATH } from '@chorus/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyCors, createOriginPolicy } from './origins';
import { setBaseSecurityHeaders } from './security-headers';
import { createStaticSite } from './static-site';
import { checkReadiness } from './readiness';
import { logProcedureError } from './procedure-errors';
import { attachWebSockets } from '@chorus/transport';
import { DEFAULT_LISTEN_BACKLOG, listenOn } from './listen';

export interface ServerConfig {
  host: string;
  port: number;
  publicOrigins: string[];
  trustProxy: boolean;
  httpMaxBodyBytes: number;
  /** Calls one HTTP batch may carry. */
  httpMaxBatch: number;
  wsMaxPayloadBytes: number;
  wsPingMs: number;
  wsPongWaitMs: number;
  wsMaxBufferedBytes: number;
  wsCompression: boolean;
  wsAuthTimeoutMs: number;
  wsMaxUnauthenticatedPerIp: number;
  /** Connections queued by the kernel before the server accepts them (listen.ts). */
  listenBacklog: number;
  shutdownTimeoutMs: number;
  /** A built web app (Vite's dist, with index.html) served at `/`; undefined: the API only. */
  webRoot?: string;
}

/** A loopback server on a free port with modest limits: tests, benchmarks, scripts. */
export function loopbackServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    publicOrigins: [],
    trustProxy: false,
    httpMaxBodyBytes: 1024 * 1024,
    httpMaxBatch: DEFAULT_MAX_BATCH_CALLS,
    wsMaxPayloadBytes: 64 * 1024,
    wsPingMs: 30_000,
    wsPongWaitMs: 5_000,
    wsMaxBufferedBytes: 8 * 1024 * 1024,
    wsCompression: true,
    wsAuthTimeoutMs: 10_000,
    // Tests and benchmarks open thousands of sockets from one address at once.
    wsMaxUnauthenticatedPerIp: 100_000,
    listenBacklog: DEFAULT_LISTEN_BACKLOG,
    shutdownTimeoutMs: 2_000,
    ...overrides,
  };
}

export interface RunningServer {
  port: number;
  /** http://host:port, for clients. */
  url: string;
  /** Stops accepting, asks WebSocket clients to reconnect elsewhere, drains. Idempotent. */
  close(): Promise<void>;
}

const TRPC_PATH = '/trpc';
/**
 * Paths the API owns: the web app never answers under them, not even with its index.html.
 * Only the images themselves (`/ai/images/<id>`) are the API's: `/ai/images` is the app's page.
 */
const API_PATHS = [TRPC_PATH, FILES_PATH, '/healthz', '/readyz'];
const isApiPath = (path: string) => path.startsWith(AI_IMAGE_PATH) || API_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * One port: tRPC over HTTP at /trpc, tRPC over WebSocket at /trpc, files, health checks and,
 * given a web root, the web app at every other path.
 */
export async function startServer(deps: AppDeps, config: ServerConfig): Promise<RunningServer> {
  const originAllowed = createOriginPolicy({ publicOrigins: config.publicOrigins, trustProxy: config.trustProxy });
  const site = config.webRoot === undefined ? null : await createStaticSite(config.webRoot);
  const contextOptions = { trustProxy: config.trustProxy };
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_PATH}/`,
    maxBodySize: config.httpMaxBodyBytes,
    createContext: limitBatchSize(createHttpContextFactory(deps, contextOptions), config.httpMaxBatch),
    onError: (opts) => logProcedureError(deps.logger, opts),
    // tRPC sets its own `Vary` (trpc-accept, accept) over the one set before routing: an array appends Origin to it.
    responseMeta: () => ({ headers: { vary: ['Origin'] } }),
  });
  // tus uploads and downloads under /files/ (see packages/api/src/files).
  const filesHandler = createFilesHttpHandler(deps, { originAllowed });
  // The digest mail's unsubscribe link (see packages/api/src/notifications/digest).
  const unsubscribeHandler = createUnsubscribeHandler(deps, { ipOf: (req) => clientAddress(req, contextOptions) ?? 'unknown' });

  const state = { shuttingDown: false };
  const httpServer = createServer((req, res) => {
    setBaseSecurityHeaders(req, res, config.trustProxy);
    void route(req, res).catch((error: unknown) => {
      // The path only: query strings carry secrets (unsubscribe tokens, signed file links).
      deps.logger.error({ err: error, path: req.url?.split('?')[0] }, 'request handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      if (state.shuttingDown) return sendJson(res, 503, { status: 'shutting down' });
      const report = await checkReadiness(deps.db, deps.redis);
      return sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ok' : 'unavailable', checks: report.checks });
    }
    // From here the answer depends on the Origin (refused, or CORS headers naming it): caches must key on it.
    res.setHeader('Vary', 'Origin');
    // One rule for every route but the health checks: a browser Origin that is neither the server's own nor allowed is refused.
    if (!originAllowed(req)) return sendJson(res, 403, { error: 'Origin not allowed' });
    if (path === TRPC_PATH || path?.startsWith(`${TRPC_PATH}/`)) {
      if (applyCors(req, res)) return;
      return trpcHandler(req, res);
    }
    if (path?.startsWith(AI_IMAGE_PATH)) return serveAiImage(deps, req, res);
    if (path === FILES_PATH || path?.startsWith(`${FILES_PATH}/`)) return filesHandler(req, res);
    if (path === UNSUBSCRIBE_PATH) return unsubscribeHandler(req, res);
    if (site && (req.method === 'GET' || req.method === 'HEAD') && !isApiPath(path)) return site.serve(req, res);
    sendJson(res, 404, { error: 'Not found' });
  }

  const sockets = attachWebSockets(httpServer, {
    maxBatchCalls: config.httpMaxBatch,
    path: TRPC_PATH,
    router: appRouter,
    createContext: createWsContextFactory(deps, contextOptions),
    isAuthenticated: (ctx) => ctx.session !== null,
    sessionEnded: (ctx) => ctx.sessionRevoked,
    authTimeoutMs: config.wsAuthTimeoutMs,
    maxUnauthenticatedPerIp: config.wsMaxUnauthenticatedPerIp,
    ipOf: (req) => clientAddress(req, contextOptions) ?? 'unknown',
    onError: (opts) => logProcedureError(deps.logger, opts),
    logger: deps.logger,
    allowRequest: originAllowed,
    maxPayloadBytes: config.wsMaxPayloadBytes,
    pingMs: config.wsPingMs,
    pongWaitMs: config.wsPongWaitMs,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    compression: config.wsCompression,
    isShuttingDown: () => state.shuttingDown,
    observer: deps.metrics.enabled ? { opened: () => deps.metrics.wsOpened(), closed: (reason) => deps.metrics.wsClosed(reason) } : undefined,
  });

  await listenOn(httpServer, { host: config.host, port: config.port, backlog: config.listenBacklog });
  const { port } = httpServer.address() as AddressInfo;
  const displayHost = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      state.shuttingDown = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await sockets.drain(Math.min(config.shutdownTimeoutMs, 3000));
      const deadline = sleep(config.shutdownTimeoutMs).then(() => httpServer.closeAllConnections());
      await Promise.race([closed, deadline]);
    })();
    return closing;
  };

  return { port, url: `http://${displayHost}:${port}`, close };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
