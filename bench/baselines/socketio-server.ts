// Baseline 2: a Socket.IO 4.8 server, the usual base of such backends. Each socket joins one room
// per conversation of its user; a sender's message (an event with an acknowledgement) is stored
// with one INSERT, emitted to the conversation's room (Socket.IO encodes it once for the room),
// then acknowledged. WebSocket transport only, no adapter: one instance.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import { conversationsByUser, isIncoming, storeMessage, type Directory, type Pool, type RunningBaseline } from './store';

const room = (conversationId: number) => `c${conversationId}`;

/** `options` adds to the server's own (the storm benchmark: an adapter and connection state recovery). */
export async function startSocketIoBaseline(pool: Pool, directory: Directory, options: Partial<ServerOptions> = {}): Promise<RunningBaseline> {
  const byUser = conversationsByUser(directory);
  const memberSets = new Map([...directory.members].map(([conversationId, members]) => [conversationId, new Set(members)]));
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024, ...options });

  io.on('connection', (socket) => {
    const userId = Number(socket.handshake.query.user);
    if (!Number.isSafeInteger(userId) || userId <= 0) return void socket.disconnect(true);
    void socket.join((byUser.get(userId) ?? []).map(room));
    socket.on('send', async (msg: unknown, ack?: (reply: object) => void) => {
      const reply = (body: object) => ack?.(body);
      if (!isIncoming(msg)) return reply({ error: 'bad message' });
      if (!memberSets.get(msg.c)?.has(userId)) return reply({ error: 'not a member' });
      try {
        const stored = await storeMessage(pool, userId, msg);
        io.to(room(msg.c)).emit('message', { type: 'message.created', message: stored });
        reply({ id: stored.id });
      } catch (error) {
        reply({ error: error instanceof Error ? error.message : String(error) });
      }
    });
    socket.emit('ready');
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    url,
    receiverUrl: (userId) => `${url}&user=${userId}`,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    },
  };
}
