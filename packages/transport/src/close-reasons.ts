import type { WebSocket } from 'ws';

/** Why a connection closed, as the server saw it (a bounded set: a metrics label). */
export type CloseReason = 'normal' | 'slow_consumer' | 'payload_too_big' | 'revoked' | 'shutdown' | 'auth_timeout' | 'error' | 'overloaded';

/** Told of every WebSocket connection opened and closed (metrics); never told anything else. */
export interface ConnectionObserver {
  opened(): void;
  closed(reason: CloseReason): void;
}

/**
 * The reason the server gave when it closed a socket itself. The code a `close` event reports
 * is the peer's answer, or 1006 when a peer that never answered was cut off, so the server's
 * own decisions are remembered here. The first one stands.
 */
const marked = new WeakMap<WebSocket, CloseReason>();

export function markClose(ws: WebSocket, reason: CloseReason): void {
  if (!marked.has(ws)) marked.set(ws, reason);
}

/** Close codes of a peer leaving on its own: 1000 normal, 1001 going away, 1005 none given. */
const NORMAL_CODES = new Set([1000, 1001, 1005]);
const MESSAGE_TOO_BIG = 1009;

export function closeReasonOf(ws: WebSocket, code: number): CloseReason {
  const reason = marked.get(ws);
  if (reason) return reason;
  if (NORMAL_CODES.has(code)) return 'normal';
  return code === MESSAGE_TOO_BIG ? 'payload_too_big' : 'error';
}
