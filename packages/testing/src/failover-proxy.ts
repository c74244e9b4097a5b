// A TCP proxy that sends each new connection to the first backend that accepts it, in a fixed
// order of preference: the local stand-in for HAProxy or ProxySQL in front of a Galera cluster.
import net, { type AddressInfo, type Socket } from 'node:net';

export interface FailoverProxy {
  /** 127.0.0.1:PORT to use as the database host. */
  host: string;
  port: number;
  /** Backend port of each connection now open. */
  backends(): number[];
  close(): Promise<void>;
}

function connectFirst(ports: number[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (index: number) => {
      if (index >= ports.length) return reject(new Error('no backend accepted the connection'));
      const socket = net.connect({ host: '127.0.0.1', port: ports[index]! });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', () => attempt(index + 1));
    };
    attempt(0);
  });
}

export async function startFailoverProxy(ports: number[]): Promise<FailoverProxy> {
  const open = new Map<Socket, number>();
  const server = net.createServer((client) => {
    client.pause();
    client.on('error', () => client.destroy());
    connectFirst(ports).then(
      (backend) => {
        open.set(client, backend.remotePort ?? 0);
        backend.on('error', () => backend.destroy());
        const done = () => {
          open.delete(client);
          client.destroy();
          backend.destroy();
        };
        client.on('close', done);
        backend.on('close', done);
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    backends: () => [...open.values()],
    async close() {
      for (const socket of open.keys()) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
