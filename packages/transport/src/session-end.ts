import { WebSocket } from 'ws';
import { markClose } from './close-reasons';
import type { EndSignal } from './end-signal';

/**
 * Close code 4401: the connection's session ended (signed out, revoked, password changed,
 * banned). Every further call on the socket would fail UNAUTHORIZED, since a socket keeps the
 * session it connected with; a client reconnects only for a reason of its own (a new sign-in).
 */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/**
 * Closes `ws` with 4401 once `ended` aborts. The same abort ends the socket's subscriptions
 * with UNAUTHORIZED: their error frames are sent by the promise reactions of the turn that
 * aborted. Closing at the start of the next turn queues the close frame behind them, so the
 * client reads the typed errors first. A call still running then loses its answer, as on any
 * dropped socket.
 */
export function closeWhenSessionEnds(ws: WebSocket, ended: EndSignal): void {
  if (ended.aborted) {
    setImmediate(closeEnded, ws);
    return;
  }
  // An object listener rather than a closure: every signed-in connection holds one.
  const listener = new SessionEndListener(ws);
  ended.addEventListener('abort', listener, { once: true });
  ws.once('close', () => ended.removeEventListener('abort', listener));
}

class SessionEndListener {
  constructor(private readonly ws: WebSocket) {}

  handleEvent(): void {
    setImmediate(closeEnded, this.ws);
  }
}

function closeEnded(ws: WebSocket): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  markClose(ws, 'revoked');
  ws.close(SESSION_ENDED_CLOSE_CODE, 'session ended');
  // A peer that never answers the closing handshake is cut off.
  setTimeout(() => ws.terminate(), 2000).unref();
}
