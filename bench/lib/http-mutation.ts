// A tRPC mutation over HTTP as @chorus/client sends one on its own: POST /trpc/<path> with a
// Bearer token and the superjson form of plain JSON input, on keep-alive sockets.
import { Agent, request } from 'node:http';

type Done = (error?: string) => void;

export class HttpMutations {
  private readonly agent: Agent;
  private readonly targets = new Map<string, { hostname: string; port: number }>();

  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /**
   * Calls `path` on the server at `baseUrl`; `done` gets an error text or nothing. With
   * `retryOnReset` (idempotent calls only), a keep-alive socket the server closed just as it
   * was reused is answered by sending once more, as a client would.
   */
  post(baseUrl: string, path: string, token: string, input: unknown, done: Done, options: { retryOnReset: boolean }): void {
    const target = this.target(baseUrl);
    const body = JSON.stringify({ json: input });
    const req = request(
      {
        agent: this.agent,
        hostname: target.hostname,
        port: target.port,
        method: 'POST',
        path: `/trpc/${path}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => done(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}: ${data.slice(0, 300)}`));
      },
    );
    // A server that never answers must not hold a closed-loop caller forever.
    req.setTimeout(30_000, () => req.destroy(new Error('no response within 30 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (options.retryOnReset && req.reusedSocket && error.code === 'ECONNRESET') return this.post(baseUrl, path, token, input, done, { retryOnReset: false });
      done(error.message);
    });
    req.end(body);
  }

  private target(baseUrl: string): { hostname: string; port: number } {
    let target = this.targets.get(baseUrl);
    if (!target) {
      const parsed = new URL(baseUrl);
      this.targets.set(baseUrl, (target = { hostname: parsed.hostname, port: Number(parsed.port) }));
    }
    return target;
  }
}
