import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { markClose } from './close-reasons';

export interface ConnectionGuardOptions {
  /** A socket whose connection has not authenticated by then is closed. */
  authTimeoutMs: number;
  /** Sockets not yet authenticated that one address may hold at once; more are refused. */
  maxUnauthenticatedPerIp: number;
  /** The client's address (behind a trusted proxy, the forwarded one). */
  ipOf: (req: IncomingMessage) => string;
}

/** 1008 "policy violation": the connection did not authenticate in time. */
const POLICY_VIOLATION = 1008;

/**
 * Bounds the sockets that have not authenticated: each must authenticate within a deadline,
 * and one address may hold only so many at once. Without it, anybody could hold any number of
 * sockets open without ever signing in.
 */
export class ConnectionGuard {
  private readonly waitingByIp = new Map<string, number>();
  private readonly waiting = new Map<WebSocket, { ip: string; timer: NodeJS.Timeout }>();
  /** Every waiting socket's `close` listener, one function for all (removed once it authenticates). */
  private readonly onClose: (this: WebSocket) => void;

  constructor(private readonly options: ConnectionGuardOptions) {
    const release = (ws: WebSocket) => this.release(ws);
    // `ws` calls it with the socket as `this`.
    this.onClose = function (this: WebSocket) {
      release(this);
    };
  }

  /** Whether the request's address may open one more socket. */
  admits(req: IncomingMessage): boolean {
    return (this.waitingByIp.get(this.options.ipOf(req)) ?? 0) < this.options.maxUnauthenticatedPerIp;
  }

  /** Starts the socket's deadline; it ends when it authenticates or closes. */
  watch(ws: WebSocket, req: IncomingMessage): void {
    const ip = this.options.ipOf(req);
    this.waitingByIp.set(ip, (this.waitingByIp.get(ip) ?? 0) + 1);
    const timer = setTimeout(() => {
      this.release(ws);
      markClose(ws, 'auth_timeout');
      ws.close(POLICY_VIOLATION, 'authentication timeout');
      setTimeout(() => ws.terminate(), 2000).unref();
    }, this.options.authTimeoutMs);
    timer.unref();
    this.waiting.set(ws, { ip, timer });
    ws.once('close', this.onClose);
  }

  /** The socket's connection authenticated: no deadline any more. */
  authenticated(ws: WebSocket): void {
    this.release(ws);
  }

  /** Sockets waiting to authenticate. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  private release(ws: WebSocket): void {
    const entry = this.waiting.get(ws);
    if (!entry) return;
    this.waiting.delete(ws);
    ws.removeListener('close', this.onClose);
    clearTimeout(entry.timer);
    const left = (this.waitingByIp.get(entry.ip) ?? 1) - 1;
    if (left > 0) this.waitingByIp.set(entry.ip, left);
    else this.waitingByIp.delete(entry.ip);
  }
}
