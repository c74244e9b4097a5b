import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CreateHTTPContextOptions } from '@trpc/server/adapters/standalone';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import { validateSessionToken } from './auth/session.service';
import type { ValidSession } from './auth/session.types';
import { parseSessionToken } from './auth/session-token';
import type { AppDeps } from './deps';
import type { EndSignal, FrameSink, SocketWriter } from '@chorus/transport';

export const SESSION_COOKIE = 'chorus_session';

export interface RequestInfo {
  transport: 'http' | 'ws' | 'internal';
  /** Per HTTP request; per connection on WebSockets (each call gets its own in `ctx.requestId`). */
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The W3C `traceparent` header of the request: the parent of an HTTP call's span; on WebSockets (the upgrade's), a link of each call's span. */
  traceparent?: string | undefined;
}

export interface Context {
  deps: AppDeps;
  request: RequestInfo;
  session: ValidSession | null;
  /** Response headers of an HTTP call (to set cookies); null on WebSockets. */
  res: ServerResponse | null;
  /** On a WebSocket with a session: aborts when that session is revoked, on any instance. */
  sessionRevoked?: EndSignal;
  /** On a WebSocket: the socket, for streams that write their frames directly (DirectFrames). */
  socket?: FrameSink;
}

export interface ContextOptions {
  /** Trust `X-Forwarded-For` / `X-Request-Id` from a reverse proxy in front of us. */
  trustProxy: boolean;
}

/** Builds a context from already-known parts: used by both transports, scripts and tests. */
export async function createContextInner(opts: {
  deps: AppDeps;
  request: RequestInfo;
  sessionToken?: string | null;
  res?: ServerResponse | null;
}): Promise<Context> {
  const session = opts.sessionToken ? await validateSessionToken(opts.deps, opts.sessionToken) : null;
  return { deps: opts.deps, request: opts.request, session, res: opts.res ?? null };
}

export function createHttpContextFactory(deps: AppDeps, options: ContextOptions) {
  return async ({ req, res }: CreateHTTPContextOptions): Promise<Context> => {
    const requestId = requestIdFrom(req, options);
    res.setHeader('x-request-id', requestId);
    return createContextInner({ deps, request: requestInfo(req, 'http', requestId, options), sessionToken: sessionTokenOf(req), res });
  };
}

/**
 * Called once per WebSocket connection, after the client sent its `connectionParams`. The
 * session is watched for revocation before it is read, so a revocation published meanwhile is
 * caught either way; the watch lasts as long as the socket.
 */
export function createWsContextFactory(deps: AppDeps, options: ContextOptions) {
  return async ({ req, info, writer }: CreateWSSContextFnOptions & { writer: SocketWriter }): Promise<Context> => {
    const params = info.connectionParams ?? {};
    const sessionToken = typeof params.token === 'string' ? params.token : cookieValue(req, SESSION_COOKIE);
    const sessionId = sessionToken ? parseSessionToken(sessionToken)?.id : undefined;
    const watch = sessionId ? deps.revocations.watch(sessionId) : null;
    try {
      const inner = await createContextInner({ deps, request: requestInfo(req, 'ws', randomUUID(), options), sessionToken });
      const ctx: Context = { ...inner, socket: writer };
      if (!ctx.session || !watch) {
        watch?.release();
        return ctx;
      }
      if (req.socket.destroyed) watch.release();
      else req.socket.once('close', () => watch.release());
      return { ...ctx, sessionRevoked: watch.signal };
    } catch (error) {
      watch?.release();
      throw error;
    }
  };
}

/** The client's address: the forwarded one behind a trusted proxy, else the peer's. */
export function clientAddress(req: IncomingMessage, options: ContextOptions): string | null {
  const forwarded = options.trustProxy ? headerValue(req, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || null;
}

function requestInfo(req: IncomingMessage, transport: 'http' | 'ws', requestId: string, options: ContextOptions): RequestInfo {
  return {
    transport,
    requestId,
    ip: clientAddress(req, options),
    userAgent: headerValue(req, 'user-agent')?.slice(0, 512) ?? null,
    traceparent: headerValue(req, 'traceparent'),
  };
}

function requestIdFrom(req: IncomingMessage, options: ContextOptions): string {
  const incoming = options.trustProxy ? headerValue(req, 'x-request-id') : undefined;
  return incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

/** The session token a plain HTTP request carries (Bearer header, else the cookie). */
export function sessionTokenOf(req: IncomingMessage): string | null {
  return bearerToken(req) ?? cookieValue(req, SESSION_COOKIE);
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(headerValue(req, 'authorization') ?? '');
  return match?.[1] ?? null;
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (headerValue(req, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return null;
    }
  }
  return null;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
