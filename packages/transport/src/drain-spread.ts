import { WebSocket } from 'ws';
import { closeWithRetryHint, spreadDelay } from './retry-hints';

/**
 * The share of a drain's grace period over which its clients are told to reconnect. The rest
 * lets the last ones told open their new socket and move their subscriptions (make before
 * break) before the stragglers are closed.
 */
const SPREAD_SHARE = 0.6;
/** Below this, spreading is not worth a timer per client: all are told at once. */
const MIN_SPREAD_MS = 50;

export interface DrainSpread {
  /** Cancels the notifications not yet sent and closes every open socket with `code` and a retry hint. */
  stop(code: number): void;
}

/**
 * Tells each client to reconnect at its own moment, drawn evenly from the first part of the
 * grace period, rather than all in the same millisecond: an instance that drains thousands of
 * sockets would otherwise hand the instances behind the load balancer thousands of
 * reconnections, sign-ins and resumptions at once. Each notified client opens its new socket
 * while the old one still serves it, so nothing is missed meanwhile. `broadcast` (tRPC's
 * own) is used when the window is too short to spread over.
 */
export function tellToReconnectSpread(clients: Set<WebSocket>, graceMs: number, notification: unknown, broadcast: () => void): DrainSpread {
  const windowMs = Math.floor(graceMs * SPREAD_SHARE);
  const timers: NodeJS.Timeout[] = [];
  if (windowMs < MIN_SPREAD_MS) broadcast();
  else {
    for (const client of clients) {
      const timer = setTimeout(() => {
        if (client.readyState === WebSocket.OPEN) client.send(notification as string);
      }, spreadDelay(windowMs));
      timer.unref();
      timers.push(timer);
    }
  }
  return {
    stop(code: number): void {
      for (const timer of timers) clearTimeout(timer);
      // Those still here are told when to come back, spread over the same window.
      for (const client of clients) closeWithRetryHint(client, code, 'server restarting', spreadDelay(windowMs), 'shutdown');
    },
  };
}
