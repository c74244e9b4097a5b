import type { Server } from 'node:net';

/**
 * Connections the kernel completes and queues for the server before it accepts them (listen's
 * backlog; Linux caps it at net.core.somaxconn, 4096 by default since 5.4). Node's default is
 * 511: when an instance dies, its clients dial the survivors within about a second, and while
 * the survivor's event loop is busy resuming the first of them, every connection past the 511th
 * has its SYN dropped and is retried by the client's TCP one second later, then three, then seven
 * (listen.test.ts dials 1,500 connections in one turn: with 511 about 990 of them connect only
 * after a second, with 4096 none). Decision 0068.
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Listens on host:port with the given backlog; resolves once listening, rejects on a listen error. */
export function listenOn(server: Server, options: { host: string; port: number; backlog?: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog ?? DEFAULT_LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
