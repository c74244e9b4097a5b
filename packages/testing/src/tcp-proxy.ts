// A TCP proxy that spreads connections over live backends and cuts them on demand.
import net, { type AddressInfo, type Socket } from 'node:net';

const LOOPBACK = '127.0.0.1';

export interface ProxiedConnection {
  id: number;
  client: Socket;
  backend: Socket | null;
  backendPort: number | null;
  openedAt: number;
  /** Bytes forwarded from the backend to the client so far. */
  bytesFromBackend: number;
  /** Complete WebSocket frames forwarded from the backend so far (after a 101 upgrade). */
  framesFromBackend: number;
  /** The first bytes from the client asked for a WebSocket upgrade. */
  webSocket: boolean;
  closed: boolean;
}

export type CutMode =
  /** Both sides get a TCP reset at once (a dropped link both ends notice). */
  | 'reset'
  /**
   * The client side is reset, the server side stays open but whatever it sends is dropped
   * and it is closed only after a while (a server that learns of the loss late).
   */
  | 'blackhole';

export interface TcpProxy {
  url: string;
  port: number;
  /** Connections currently open. */
  open(): ProxiedConnection[];
  cut(connection: ProxiedConnection, mode?: CutMode): void;
  /** Resets the connection once `bytes` more bytes came from its backend (possibly mid-frame). */
  cutAfterBytes(connection: ProxiedConnection, bytes: number): void;
  /**
   * Resets the connection right after the backend's next `frames` complete WebSocket frames
   * reached the client: a loss between two messages, e.g. just after a subscription's first event.
   */
  cutAfterFrames(connection: ProxiedConnection, frames: number): void;
  /** Forgets the cuts scheduled by `cutAfterBytes`/`cutAfterFrames` that have not happened yet. */
  cancelPendingCuts(): void;
  /** Called for every new connection once its backend is connected. */
  onConnection: (connection: ProxiedConnection) => void;
  stats: { accepted: number; cuts: number; refusedBackends: number };
  close(): Promise<void>;
}

/**
 * Finds where server-to-client WebSocket frames end in a byte stream: first the HTTP 101
 * response, then frames (unmasked, as servers send them). Returns the offsets in each chunk
 * just past a frame's last byte.
 */
function webSocketFrameScanner() {
  let inHeaders = true;
  let headerTail = '';
  let pending = Buffer.alloc(0);
  let payloadLeft = -1;
  return (chunk: Buffer): number[] => {
    const ends: number[] = [];
    let offset = 0;
    if (inHeaders) {
      const text = headerTail + chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        headerTail = text.slice(-3);
        return ends;
      }
      inHeaders = false;
      offset = end + 4 - headerTail.length;
    }
    while (offset < chunk.length) {
      if (payloadLeft < 0) {
        // Reading a frame header, possibly split across chunks.
        const take = Math.min(chunk.length - offset, 14 - pending.length);
        const header = Buffer.concat([pending, chunk.subarray(offset, offset + take)]);
        if (header.length < 2) {
          pending = header;
          offset += take;
          continue;
        }
        const short = header[1]! & 0x7f;
        const masked = (header[1]! & 0x80) !== 0;
        const headerLength = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + (masked ? 4 : 0);
        if (header.length < headerLength) {
          pending = header;
          offset += take;
          continue;
        }
        const length = short === 126 ? header.readUInt16BE(2) : short === 127 ? Number(header.readBigUInt64BE(2)) : short;
        offset += headerLength - pending.length;
        pending = Buffer.alloc(0);
        payloadLeft = length;
      }
      const take = Math.min(payloadLeft, chunk.length - offset);
      offset += take;
      payloadLeft -= take;
      if (payloadLeft === 0) {
        payloadLeft = -1;
        ends.push(offset);
      }
    }
    return ends;
  };
}

/**
 * Listens on a loopback port and sends each new connection to the next backend port that
 * accepts it (round robin; a dead backend is skipped), so a client whose server died lands on
 * a live one when it reconnects.
 */
export async function startTcpProxy(backendPorts: () => number[]): Promise<TcpProxy> {
  const connections = new Set<ProxiedConnection>();
  const pendingCuts = new Map<ProxiedConnection, { bytes?: number; frames?: number }>();
  const stats = { accepted: 0, cuts: 0, refusedBackends: 0 };
  let nextId = 0;
  let roundRobin = 0;

  const proxy: TcpProxy = {
    url: '',
    port: 0,
    open: () => [...connections].filter((connection) => !connection.closed && connection.backend),
    cut,
    cutAfterBytes(connection, bytes) {
      if (!connection.closed) pendingCuts.set(connection, { bytes });
    },
    cutAfterFrames(connection, frames) {
      if (!connection.closed) pendingCuts.set(connection, { frames });
    },
    cancelPendingCuts() {
      pendingCuts.clear();
    },
    onConnection: () => {},
    stats,
    close,
  };

  function finish(connection: ProxiedConnection) {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    pendingCuts.delete(connection);
    connection.client.destroy();
    connection.backend?.destroy();
  }

  function cut(connection: ProxiedConnection, mode: CutMode = 'reset') {
    if (connection.closed) return;
    stats.cuts++;
    if (mode === 'blackhole' && connection.backend) {
      const backend = connection.backend;
      connection.closed = true;
      connections.delete(connection);
      pendingCuts.delete(connection);
      connection.client.resetAndDestroy();
      backend.removeAllListeners('data');
      backend.on('data', () => {});
      backend.on('error', () => {});
      setTimeout(() => backend.destroy(), 1000 + Math.random() * 2000).unref();
      return;
    }
    connection.client.resetAndDestroy();
    if (connection.backend && !connection.backend.destroyed) connection.backend.resetAndDestroy();
    finish(connection);
  }

  /** Forwards `chunk` to the client unless a scheduled cut falls inside it. */
  function forward(connection: ProxiedConnection, chunk: Buffer, frameEnds: number[]) {
    const plan = pendingCuts.get(connection);
    let cutAt = -1;
    if (plan?.bytes !== undefined) {
      if (chunk.length >= plan.bytes) cutAt = plan.bytes;
      else plan.bytes -= chunk.length;
    } else if (plan?.frames !== undefined) {
      if (frameEnds.length >= plan.frames) cutAt = frameEnds[plan.frames - 1]!;
      else plan.frames -= frameEnds.length;
    }
    if (cutAt < 0) {
      connection.bytesFromBackend += chunk.length;
      connection.framesFromBackend += frameEnds.length;
      connection.client.write(chunk);
      return;
    }
    connection.bytesFromBackend += cutAt;
    connection.framesFromBackend += frameEnds.filter((end) => end <= cutAt).length;
    stats.cuts++;
    connection.closed = true;
    connections.delete(connection);
    pendingCuts.delete(connection);
    if (connection.backend && !connection.backend.destroyed) connection.backend.resetAndDestroy();
    // A FIN after the bytes written, so that they all reach the client before the loss.
    const { client } = connection;
    if (cutAt > 0) client.write(chunk.subarray(0, cutAt), () => client.destroy());
    else client.destroy();
  }

  const server = net.createServer((client) => {
    stats.accepted++;
    const connection: ProxiedConnection = {
      id: ++nextId,
      client,
      backend: null,
      backendPort: null,
      openedAt: Date.now(),
      bytesFromBackend: 0,
      framesFromBackend: 0,
      webSocket: false,
      closed: false,
    };
    connections.add(connection);
    const early: Buffer[] = [];
    let first = true;
    client.on('data', (chunk: Buffer) => {
      // The client's first bytes tell a WebSocket from plain HTTP.
      if (first) connection.webSocket = /\r\nupgrade:\s*websocket/i.test(chunk.toString('latin1'));
      first = false;
      if (connection.backend && connection.backend.readyState === 'open') connection.backend.write(chunk);
      else early.push(chunk);
    });
    client.on('error', () => finish(connection));
    client.on('close', () => finish(connection));

    const ports = backendPorts();
    const scan = webSocketFrameScanner();
    const tryBackend = (attempt: number) => {
      if (connection.closed) return;
      if (attempt >= ports.length) return finish(connection);
      const port = ports[(roundRobin + attempt) % ports.length]!;
      const backend = net.connect({ host: LOOPBACK, port });
      let connected = false;
      backend.on('connect', () => {
        connected = true;
        roundRobin = (roundRobin + attempt + 1) % Math.max(1, ports.length);
        connection.backend = backend;
        connection.backendPort = port;
        for (const chunk of early.splice(0)) backend.write(chunk);
        proxy.onConnection(connection);
      });
      backend.on('data', (chunk: Buffer) => {
        if (connection.closed) return;
        forward(connection, chunk, connection.webSocket ? scan(chunk) : []);
      });
      backend.on('error', () => {
        if (!connected) {
          stats.refusedBackends++;
          backend.destroy();
          tryBackend(attempt + 1);
        } else {
          finish(connection);
        }
      });
      backend.on('close', () => {
        if (connected) finish(connection);
      });
    };
    tryBackend(0);
  });

  async function close() {
    for (const connection of [...connections]) finish(connection);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://${LOOPBACK}:${proxy.port}`;
  return proxy;
}
