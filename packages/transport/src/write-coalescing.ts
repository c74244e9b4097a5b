/**
 * Socket writes made while one event-loop turn runs go out together at its end.
 *
 * One event (a room's playback change, a group message) is written to hundreds of sockets with
 * JavaScript work between the writes. Written one by one, each write finds its reader asleep and
 * pays to wake it, which on a loopback or a VM costs several times the write itself. Corking a
 * socket at its first frame of the turn and uncorking every corked socket in one loop after the
 * turn (setImmediate) makes the writes back to back, and several frames for one socket a single
 * syscall. The first recipient waits for the turn's other work; the last one, which is what
 * "everyone has it" means, gets it sooner. The Redis client's commands are held the same way
 * (coalesceCommandWrites). SocketWriter holds a WebSocket's frames.
 */

interface Corkable {
  cork(): void;
  uncork(): void;
  destroyed: boolean;
}

const corked = new Set<Corkable>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  const sockets = [...corked];
  corked.clear();
  for (const socket of sockets) if (!socket.destroyed) socket.uncork();
}

/** Corks `socket` until the end of the current turn, if it is not already. */
export function holdUntilTurnEnds(socket: Corkable): void {
  if (corked.has(socket) || socket.destroyed) return;
  socket.cork();
  corked.add(socket);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

interface CommandClient {
  /** The client's current connection (ioredis replaces it on every reconnect). */
  readonly stream?: unknown;
  on(event: 'connect', listener: () => void): unknown;
}

const patchedStreams = new WeakSet<object>();

/**
 * Makes the commands a Redis client writes during a turn go out together at its end. A batch of
 * sends publishes each of its messages with a command of its own; written one by one, each is a
 * syscall (several times the command's cost on a VM), written together they are one.
 */
export function coalesceCommandWrites(client: CommandClient): void {
  const patch = () => {
    const socket = client.stream as (Corkable & { write(...args: unknown[]): boolean }) | undefined;
    if (!socket || patchedStreams.has(socket)) return;
    patchedStreams.add(socket);
    const write = socket.write.bind(socket);
    socket.write = (...args: unknown[]) => {
      holdUntilTurnEnds(socket);
      return write(...args);
    };
  };
  client.on('connect', patch);
  patch();
}
