import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LISTEN_BACKLOG, listenOn } from './listen';

/** Connections dialled in one turn, more than Node's default backlog of 511 lets the kernel queue. */
const DIALS = 1500;

/** Dials `DIALS` connections in one turn; resolves to how many took longer than `lateMs` to connect. */
async function lateDials(backlog: number, lateMs: number): Promise<number> {
  const server = createServer((socket) => socket.on('error', () => {}));
  await listenOn(server, { host: '127.0.0.1', port: 0, backlog });
  const { port } = server.address() as { port: number };
  const sockets: Socket[] = [];
  const started = performance.now();
  try {
    const times = await Promise.all(
      Array.from(
        { length: DIALS },
        () =>
          new Promise<number>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1', () => resolve(performance.now() - started));
            socket.once('error', reject);
            sockets.push(socket);
          }),
      ),
    );
    return times.filter((ms) => ms > lateMs).length;
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));

describe('listen backlog', () => {
  // The kernel caps the backlog at somaxconn: below DIALS this machine cannot show the difference.
  it.skipIf(!(somaxconn > DIALS))('queues a storm of dials that arrive in one turn, where a backlog of 511 makes the rest wait for TCP to retry', async () => {
    // A SYN the full queue dropped is sent again after a second.
    expect(await lateDials(DEFAULT_LISTEN_BACKLOG, 900)).toBe(0);
    expect(await lateDials(511, 900)).toBeGreaterThan(DIALS - 511 - 100);
  });
});
