// How the fanout receivers speak each server's wire protocol: tRPC's messages, Socket.IO's
// engine.io framing, or the plain JSON of the ws baseline. Each does one JSON.parse per frame,
// so the client side costs the same whichever server is measured.
import type WebSocket from 'ws';
import type { ReceiverSpec, System } from './protocol';

/** What a receiver does with what it reads; the load process counts and times it. */
export interface FrameSink {
  /** A frame other than a keep-alive arrived. */
  frame(): void;
  /** A Chorus event of this type arrived. */
  kind(type: string): void;
  /** A message's text (it carries the run, the send's number and its send time). */
  text(text: unknown): void;
  /** The server acknowledged the send numbered `id` on this socket. */
  ack(id: number, error?: string): void;
}

export interface Frames {
  onOpen(ws: WebSocket, spec: ReceiverSpec): void;
  /** Returns true once the connection is ready to receive (subscription live, rooms joined). */
  onFrame(ws: WebSocket, frame: string, sink: FrameSink): boolean;
}

const chorusFrames: Frames = {
  onOpen(ws, spec) {
    ws.send(JSON.stringify({ method: 'connectionParams', data: { token: spec.token } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.subscribe', input: { json: {} } } }));
  },
  onFrame(ws, frame, sink) {
    if (frame === 'PING') {
      ws.send('PONG');
      return false;
    }
    sink.frame();
    const msg = JSON.parse(frame) as { id?: number; result?: { type?: string; data?: { json?: { data?: { type?: string; message?: { text?: string } } } } }; error?: { message?: string } };
    // The answer to a chat.send on this socket (the subscription is request 1).
    if (msg.id !== undefined && msg.id !== 1) {
      sink.ack(msg.id, msg.error ? `tRPC error: ${msg.error.message ?? JSON.stringify(msg.error)}` : undefined);
      return false;
    }
    if (msg.error) throw new Error(`tRPC error: ${msg.error.message ?? JSON.stringify(msg.error)}`);
    if (msg.result?.type !== 'data') return false;
    const event = msg.result.data?.json?.data;
    const kind = event?.type ?? '?';
    sink.kind(kind);
    if (event?.type === 'message.created') sink.text(event.message?.text);
    // The first data is the presence snapshot: the user's listener is registered by then.
    return true;
  },
};

const wsFrames: Frames = {
  onOpen() {},
  onFrame(_ws, frame, sink) {
    sink.frame();
    const msg = JSON.parse(frame) as { type?: string; message?: { text?: string }; ready?: number; ack?: number; error?: string };
    if (msg.type === 'message.created') sink.text(msg.message?.text);
    else if (msg.ack !== undefined) sink.ack(msg.ack, msg.error);
    return msg.ready === 1;
  },
};

const socketIoFrames: Frames = {
  onOpen() {},
  onFrame(ws, frame, sink) {
    // engine.io: 0 open, 2 ping, 3 pong, 4 message; socket.io inside 4: 0 connect, 2 event, 3 ack, 4 connect error.
    const engine = frame[0];
    if (engine === '0') {
      ws.send('40');
      return false;
    }
    if (engine === '2') {
      ws.send('3');
      return false;
    }
    if (engine !== '4') return false;
    sink.frame();
    const packet = frame[1];
    if (packet === '2') {
      const [name, payload] = JSON.parse(frame.slice(2)) as [string, { message?: { text?: string } } | undefined];
      if (name === 'message') sink.text(payload?.message?.text);
      return name === 'ready';
    }
    if (packet === '3') {
      let end = 2;
      while (end < frame.length && frame.charCodeAt(end) >= 48 && frame.charCodeAt(end) <= 57) end++;
      const [reply] = JSON.parse(frame.slice(end)) as [{ error?: string } | undefined];
      sink.ack(Number(frame.slice(2, end)), reply?.error);
      return false;
    }
    if (packet === '4') throw new Error(`socket.io connect error: ${frame.slice(2)}`);
    return false;
  },
};

export const framesOf: Record<System, Frames> = { chorus: chorusFrames, ws: wsFrames, socketio: socketIoFrames };
