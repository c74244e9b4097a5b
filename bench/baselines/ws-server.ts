// Baseline 1: a plain `ws` server — about the least a Node process can do per delivery. A sender's
// message is stored with one INSERT, serialized once, and the same buffer is written to every
// socket of every member of the conversation; then the sender gets its acknowledgement.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { isIncoming, storeMessage, type Directory, type Pool, type RunningBaseline } from './store';

export async function startWsBaseline(pool: Pool, directory: Directory): Promise<RunningBaseline> {
  const sockets = new Map<number, Set<WebSocket>>();
  const memberSets = new Map([...directory.members].map(([conversationId, members]) => [conversationId, new Set(members)]));
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024 });

  wss.on('connection', (ws, req) => {
    const userId = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('user'));
    if (!Number.isSafeInteger(userId) || userId <= 0) return ws.close(1008, 'user required');
    let mine = sockets.get(userId);
    if (!mine) sockets.set(userId, (mine = new Set()));
    const set = mine;
    set.add(ws);
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0 && sockets.get(userId) === set) sockets.delete(userId);
    });
    ws.on('message', (data: Buffer) => void onMessage(ws, userId, data));
    ws.send('{"ready":1}');
  });

  async function onMessage(ws: WebSocket, userId: number, data: Buffer): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    const ack = (msg as { a?: unknown }).a;
    const reply = (body: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ ack, ...body }));
    if (!isIncoming(msg)) return void reply({ error: 'bad message' });
    if (!memberSets.get(msg.c)?.has(userId)) return void reply({ error: 'not a member' });
    try {
      const stored = await storeMessage(pool, userId, msg);
      const frame = Buffer.from(JSON.stringify({ type: 'message.created', message: stored }));
      for (const member of directory.members.get(msg.c) ?? []) {
        for (const peer of sockets.get(member) ?? []) if (peer.readyState === WebSocket.OPEN) peer.send(frame, { binary: false });
      }
      reply({ id: stored.id });
    } catch (error) {
      reply({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}/`;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    url,
    receiverUrl: (userId) => `${url}?user=${userId}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
