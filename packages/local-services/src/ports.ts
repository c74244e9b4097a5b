import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Ask the kernel for a free loopback TCP port (bind port 0, read it, close). Racy by nature: callers retry. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not allocate a port'))));
    });
  });
}

/**
 * Connect to 127.0.0.1:port, optionally write `send`, and collect bytes until `done(buffer)` says enough
 * (or the peer closes). Resolves with the bytes received; rejects on connection errors or timeout.
 */
export function tcpExchange(port: number, send: string | undefined, done: (received: Buffer) => boolean, timeoutMs = 1000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host: LOOPBACK, port });
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(received);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`timeout talking to ${LOOPBACK}:${port}`)));
    socket.on('connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (done(received)) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (err) => finish(err));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
