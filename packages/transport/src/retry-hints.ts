import { WebSocket } from 'ws';
import { markClose, type CloseReason } from './close-reasons';
import { SocketWriter, type FrameSink } from './socket-writer';

/** WebSocket close code 1012: the server is restarting, reconnect (elsewhere). */
export const SERVICE_RESTART_CLOSE_CODE = 1012;
/** WebSocket close code 1013: try again later (this instance is overloaded). */
export const TRY_AGAIN_LATER_CLOSE_CODE = 1013;

/**
 * A close reason carrying a retry hint: `<text>; retry-ms=<n>`. `@chorus/client` reads it from
 * the close event (1012 and 1013 only) and waits that long before it reconnects, instead of
 * its own backoff. A close reason holds at most 123 bytes; this stays far below.
 */
export function retryReason(text: string, delayMs: number): string {
  return `${text}; retry-ms=${Math.max(0, Math.round(delayMs))}`;
}

/** Closes `ws` with `code` and a retry hint, and cuts it off if the peer never answers the close. */
export function closeWithRetryHint(ws: WebSocket, code: number, text: string, delayMs: number, reason: CloseReason): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  markClose(ws, reason);
  ws.close(code, retryReason(text, delayMs));
  setTimeout(() => ws.terminate(), 2000).unref();
}

/**
 * Sends an overloaded instance's answer on the socket behind `sink` (a subscription's context
 * holds it): close 1013 with the hint. The client reconnects after the hint (through the load
 * balancer, perhaps to another instance) and resumes its subscriptions from their last event
 * ids, so nothing is lost. False when `sink` is no WebSocket (the caller answers another way).
 */
export function closeOverloaded(sink: FrameSink | undefined, delayMs: number): boolean {
  const ws = sink instanceof SocketWriter ? sink.ws : undefined;
  if (!ws) return false;
  closeWithRetryHint(ws, TRY_AGAIN_LATER_CLOSE_CODE, 'overloaded', delayMs, 'overloaded');
  return true;
}

/**
 * A draw from [0, windowMs): when every client of an instance is told to leave at once, each
 * gets its own moment in the window, so the instances they move to take them at an even rate.
 */
export function spreadDelay(windowMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.max(0, windowMs));
}
