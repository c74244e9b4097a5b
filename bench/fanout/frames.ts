// How the fanout receivers speak each server's wire protocol: tRPC's messages (lib/trpc-wire.ts),
// Socket.IO's engine.io framing, or the plain JSON of the ws baseline. Each does one JSON.parse
// per frame, so the client side costs the same whichever server is measured.
import type WebSocket from 'ws';
import { TrpcWire } from '../lib/trpc-wire';
import type { ReceiverSpec, System } from './protocol';

/** What a receiver does with what it reads; the load process counts and times it. */
export interface FrameSink {
  /** A frame other than a keep-alive arrived. */
  frame(): void;
  /** A Chorus event of this type arrived. */
  kind(type: string): void;
  /** A message's text (it carries the run, the send's number and its send time). */
  text(text: unknown): void;
  /** A baseline server acknowledged the send numbered `id` on this socket (Chorus's answers go to its TrpcWire). */
  ack(id: number, error?: string): void;
}

/** A receiver's protocol on its socket (what opens the session is sent once the socket opens). */
export interface Protocol {
  /** Returns true once the connection is ready to receive (subscription live, rooms joined). */
  onFrame(frame: string): boolean;
  /** Chorus: the tRPC client on this socket, which takes the sender's chat.send mutations. */
  wire?: TrpcWire;
}

export type Frames = (ws: WebSocket, spec: ReceiverSpec, sink: FrameSink) => Protocol;

/** events.subscribe through lib/trpc-wire.ts; sends (chat.send mutations) are answered through it too. */
const chorusFrames: Frames = (ws, spec, sink) => {
  // Sends connectionParams, then the subscription (request 1), once the socket is open.
  const wire = new TrpcWire(ws, spec.token ?? '');
  let ready = false;
  wire.subscribe(
    'events.subscribe',
    {},
    {
      data(data) {
        const event = data as { type?: string; message?: { text?: string } } | undefined;
        sink.kind(event?.type ?? '?');
        if (event?.type === 'message.created') sink.text(event.message?.text);
        // The first data is the presence snapshot: the user's listener is registered by then.
        ready = true;
      },
    },
  );
  return {
    wire,
    onFrame(frame) {
      if (wire.receive(frame) === undefined) return false;
      sink.frame();
      return ready;
    },
  };
};

const wsFrames: Frames = (_ws, _spec, sink) => ({
  onFrame(frame) {
    sink.frame();
    const msg = JSON.parse(frame) as { type?: string; message?: { text?: string }; ready?: number; ack?: number; error?: string };
    if (msg.type === 'message.created') sink.text(msg.message?.text);
    else if (msg.ack !== undefined) sink.ack(msg.ack, msg.error);
    return msg.ready === 1;
  },
});

const socketIoFrames: Frames = (ws, _spec, sink) => ({
  onFrame(frame) {
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
});

export const framesOf: Record<System, Frames> = { chorus: chorusFrames, ws: wsFrames, socketio: socketIoFrames };
