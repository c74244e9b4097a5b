// The load process speaks Socket.IO's wire protocol by hand (engine.io framing, one JSON.parse a
// frame), so that its cost per frame matches the other systems'. This check makes sure that the
// server behaves for the official client exactly as the hand-written one expects: `ready` after
// connecting, `send` with an acknowledgement, the stored message back as `message`.
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { withTimeout } from '../lib/stats';

export async function checkWithOfficialClient(httpUrl: string, userId: number, conversationId: number): Promise<void> {
  const socket = io(httpUrl, { transports: ['websocket'], query: { user: String(userId) }, forceNew: true, reconnection: false });
  try {
    await withTimeout(new Promise<void>((resolve) => socket.once('ready', () => resolve())), 5000, 'socket.io-client: ready');
    const text = `check ${randomUUID()}`;
    const echoed = new Promise<void>((resolve) => {
      socket.on('message', (event: { message?: { text?: string } }) => {
        if (event.message?.text === text) resolve();
      });
    });
    const reply = (await socket.timeout(5000).emitWithAck('send', { c: conversationId, k: `check-${randomUUID()}`, t: text })) as {
      id?: number;
      error?: string;
    };
    if (!reply.id) throw new Error(`socket.io-client: send not stored (${reply.error ?? 'no id'})`);
    await withTimeout(echoed, 5000, 'socket.io-client: message back');
  } finally {
    socket.disconnect();
  }
}
