// A client's own socket for tRPC calls, as @chorus/client with calls: 'websocket' uses it:
// connectionParams with the session token, then one `query` or `mutation` message per call,
// answered by a result or an error with the call's id. One JSON.parse per answer, nothing more.
import WebSocket from 'ws';
import { chorusWs } from './load-process';

/** An error's text, or the answer's `result.data` (superjson's `{ json, meta }`). */
type Done = (error?: string, data?: unknown) => void;

/** The message @chorus/client's wsLink sends for a call (superjson input of plain JSON). */
export const callFrame = (id: number, method: 'query' | 'mutation', path: string, input: unknown): string => JSON.stringify({ id, method, params: { path, input: { json: input } } });
export const mutationFrame = (id: number, path: string, input: unknown): string => callFrame(id, 'mutation', path, input);

export class CallSocket {
  private readonly pending = new Map<number, Done>();
  private nextId = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text === 'PING') return ws.send('PONG');
      const msg = JSON.parse(text) as { id?: number; error?: { message?: string }; result?: { data?: unknown } };
      const done = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!done) return;
      this.pending.delete(msg.id!);
      if (msg.error) done(`tRPC error: ${msg.error.message ?? JSON.stringify(msg.error)}`);
      else done(undefined, msg.result?.data);
    });
    ws.on('close', () => this.failAll('socket closed before the answer'));
  }

  /** Opens a socket to `httpUrl`'s /trpc acting for `token`; with `deflate`, offering permessage-deflate as browsers do. */
  static open(httpUrl: string, token: string, timeoutMs = 10_000, deflate = false): Promise<CallSocket> {
    const ws = new WebSocket(chorusWs(httpUrl), { perMessageDeflate: deflate });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('call socket: not open in time')), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
        resolve(new CallSocket(ws));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  mutation(path: string, input: unknown, done: Done): void {
    this.call('mutation', path, input, done);
  }

  /** A query; `data` is its superjson result. */
  query(path: string, input: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => this.call('query', path, input, (error, data) => (error ? reject(new Error(error)) : resolve(data))));
  }

  private call(method: 'query' | 'mutation', path: string, input: unknown, done: Done): void {
    if (!this.open) return done('call socket is not open');
    const id = this.nextId++;
    this.pending.set(id, done);
    this.ws.send(callFrame(id, method, path, input));
  }

  close(): void {
    this.ws.close();
    this.failAll('call socket closed');
  }

  private failAll(error: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const done of all) done(error);
  }
}
