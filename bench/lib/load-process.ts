// The forked processes benchmarks drive their clients from, so the clients' CPU is not the
// server's: a load process (fanout/load.ts, rooms/load.ts, ai/load.ts, files/load.ts, …) answers
// requests over IPC.
import { fork, type ChildProcess } from 'node:child_process';

/** From the load process: a reply to request `id`, or a window mark (the parent samples CPU there). */
export type LoadMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { mark: 'window-start' | 'window-end' };

/** A forked load generator (the module at `module`) answering requests over IPC. */
export class LoadProcess<Req extends { op: string }> {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  onMark: (mark: 'window-start' | 'window-end') => void = () => {};

  constructor(module: URL) {
    this.child = fork(module, [], { serialization: 'advanced' });
    this.child.on('message', (message: LoadMessage) => {
      if ('mark' in message) return this.onMark(message.mark);
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`load process: ${message.error}`));
    });
    this.child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`load process exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T>(req: Req, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load process: no answer to ${req.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, req });
    });
  }

  async stop(): Promise<void> {
    await stopChild(this.child, () => this.child.disconnect());
  }
}

/**
 * The first message of a forked server process, which it sends once it listens (its URL, and
 * more for some); fails when the process exits first or says nothing within a minute.
 */
export function listening<T>(child: ChildProcess, name: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not listening within 60 s`)), 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening`));
    });
  });
}

/** Asks a child to finish (`ask`), and kills it if it has not exited within 10 s. */
export async function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    ask();
  } catch {
    // Already disconnected.
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The child's side of a LoadProcess: answers each request with `handle`'s result (or its error),
 * and exits when the benchmark goes away.
 */
export function serveLoadRequests<Req>(handle: (req: Req) => Promise<unknown>): void {
  process.on('message', (message: { id: number; req: Req }) => {
    handle(message.req).then(
      (value) => process.send?.({ id: message.id, ok: true, result: value } satisfies LoadMessage),
      (error: unknown) =>
        process.send?.({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies LoadMessage),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
