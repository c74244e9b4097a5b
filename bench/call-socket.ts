// A client's own socket for tRPC calls, as @chorus/client with calls: 'websocket' uses it:
// connectionParams with the session token, then one `mutation` message per call, answered by
// a result or an error with the call's id.
import WebSocket from 'ws';
import { chorusWs } from './load-process';

type Done = (error?: string) => void;

/** The message @chorus/client's wsLink sends for a mutation (superjson input of plain JSON). */
export const mutationFrame = (id: number, path: string, input: unknown): string => JSON.stringify({ id, method: 'mutation', params: { path, input: { json: input } } });

export class CallSocket {
  private readonly pending = new Map<number, Done>();
  private nextId = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text === 'PING') return ws.send('PONG');
      const msg = JSON.parse(text) as { id?: number; error?: { message?: string } };
      const done = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!done) return;
      this.pending.delete(msg.id!);
      done(msg.error ? `tRPC error: ${msg.error.message ?? JSON.stringify(msg.error)}` : undefined);
    });
    ws.on('close', () => this.failAll('socket closed before the answer'));
  }

  /** Opens a socket to `httpUrl`'s /trpc acting for `token`. */
  static open(httpUrl: string, token: string, timeoutMs = 10_000): Promise<CallSocket> {
    const ws = new WebSocket(chorusWs(httpUrl), { perMessageDeflate: false });
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
    if (!this.open) return done('call socket is not open');
    const id = this.nextId++;
    this.pending.set(id, done);
    this.ws.send(mutationFrame(id, path, input));
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
