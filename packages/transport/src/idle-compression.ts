import type { WebSocket } from 'ws';
import { releaseCompression } from './ws-internals';

/** Says whether its connection moved no byte (either way) since it was last asked. */
export interface TrafficWatch {
  quietSinceLastCheck(): boolean;
}

/**
 * How often idle connections give back their compression state, and how long a connection must
 * have been quiet for it: no byte either way over a whole interval. A socket that gets a frame
 * again makes its zlib streams anew on the way (a few µs and one allocation), so a chatty one
 * keeps them and an idle one, the most common, holds none.
 */
export const COMPRESSION_IDLE_MS = 10_000;

/**
 * One round of the idle sweep (ws-internals releaseCompression). An idle connection with
 * permessage-deflate otherwise holds its deflate stream (window and hash: 72 KiB with the
 * server's settings) and, once its client sent a compressed frame, an inflate stream (a 32 KiB
 * window) for as long as it stays open.
 *
 * - The deflate stream of a connection on which nothing moved since the previous round: its
 *   window makes the next frames smaller, so a talking connection keeps it.
 * - The inflate stream of every connection between two messages, quiet or not: without context
 *   takeover it carries nothing from one message to the next, and a client answers each
 *   keep-alive PING (every 30 s) with a PONG that browsers compress, which would otherwise keep
 *   an inflate stream on every idle connection for most of the time.
 *
 * Returns how many streams it closed.
 */
export function releaseIdleCompression(clients: Iterable<WebSocket>, watchOf: (ws: WebSocket) => TrafficWatch | undefined): number {
  let released = 0;
  for (const client of clients) {
    const quiet = watchOf(client)?.quietSinceLastCheck() ?? false;
    released += releaseCompression(client, { deflate: quiet });
  }
  return released;
}
