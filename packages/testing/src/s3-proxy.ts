// A pass-through HTTP proxy in front of a test S3 server, for what only the network edge shows:
// the connections a client keeps open, and a multipart upload aborted by someone else between
// a client's listing and its own abort. Requests go through unchanged (Host included, so the
// client's signature still holds); upstream connections are not kept alive.
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3Proxy {
  endpoint: string;
  /** Connections clients hold open to the proxy right now. */
  openConnections(): Promise<number>;
  /** The next abort of a multipart upload of `key` finds it aborted already (S3 answers 404 NoSuchUpload). */
  abortFirst(key: string): void;
  stop(): Promise<void>;
}

export async function startS3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: false });
  const raced = new Set<string>();
  const send = (req: IncomingMessage) =>
    request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy.local');
      const key = decodeURIComponent(url.pathname).split('/').slice(2).join('/');
      if (req.method === 'DELETE' && url.searchParams.has('uploadId') && raced.delete(key)) {
        // Someone else's abort first: the same request, sent ahead.
        await new Promise<void>((resolve, reject) => {
          send(req)
            .on('response', (answer) => answer.resume().on('end', resolve))
            .on('error', reject)
            .end();
        });
      }
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        req.pipe(send(req).on('response', resolve).on('error', reject));
      });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    openConnections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    abortFirst: (key) => void raced.add(key),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
