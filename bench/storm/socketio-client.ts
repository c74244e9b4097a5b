// A Socket.IO client of the storm, speaking Engine.IO 4 / Socket.IO 5 frames on a `ws` socket as
// socket.io-client does with connection state recovery: its CONNECT carries the private session
// id and the offset of the last broadcast received, and the server's answer names the session, so
// `recovered` is socket.io-client's `socket.recovered` (same pid as before). It reconnects with
// socket.io-client's default backoff (1 s doubling to 5 s, ±50 %), through the instance list.
import WebSocket from 'ws';
import { nowMs } from '../lib/fixed-rate';
import type { ReconnectCounters } from './chorus-client';
import type { ClientSpec, SenderSpec } from './protocol';
import type { Delivered } from './tracker';

/** socket.io-client's Backoff: min·2^attempt, ±randomizationFactor, capped. */
function socketIoDelay(attempt: number): number {
  const ms = 1000 * 2 ** attempt;
  const rand = Math.random();
  const deviation = Math.floor(rand * 0.5 * ms);
  return Math.min((Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation, 5000) | 0;
}

export class SocketIoStormClient {
  private urlIndex: number;
  private pid: string | undefined;
  private offset: string | undefined;
  private attempt = 0;
  private closed = false;
  private ws: WebSocket | null = null;
  recovered = 0;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly spec: ClientSpec,
    private readonly urls: string[],
    private readonly delivered: Delivered,
    private readonly counters: ReconnectCounters,
    private readonly killedAt: () => number | null,
  ) {
    this.urlIndex = spec.home;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.open();
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private open(): void {
    this.delivered.dialling();
    const ws = new WebSocket(`${this.urls[this.urlIndex]!}&user=${this.spec.userId}`, { perMessageDeflate: false });
    this.ws = ws;
    let connected = false;
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame === '2') return ws.send('3');
      if (frame.startsWith('0{')) {
        this.delivered.resuming();
        ws.send(this.pid ? `40${JSON.stringify({ pid: this.pid, offset: this.offset })}` : '40');
      } else if (frame.startsWith('40')) {
        connected = true;
        this.attempt = 0;
        const { pid } = JSON.parse(frame.slice(2) || '{}') as { pid?: string };
        if (this.pid && pid === this.pid) this.recovered++;
        this.pid = pid;
        this.delivered.resumedNow();
        this.markReady();
      } else if (frame.startsWith('42')) {
        const args = JSON.parse(frame.slice(2)) as unknown[];
        if (args[0] !== 'message') return;
        const last = args[args.length - 1];
        if (args.length > 2 && typeof last === 'string') this.offset = last;
        this.delivered.message(Number((args[1] as { message?: { text?: string } }).message?.text));
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.closed) return;
      if (!connected) this.counters.failedAttempts++;
      if (this.killedAt() !== null && this.delivered.droppedAt === null) this.delivered.droppedAt = nowMs();
      const delay = socketIoDelay(this.attempt++);
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      setTimeout(() => this.open(), delay);
    });
  }
}

/** The senders of the Socket.IO storm: one socket per sender, `send` events with an acknowledgement. */
export class SocketIoSender {
  private readonly sockets = new Map<number, WebSocket>();
  private readonly acks = new Map<number, (error?: string) => void>();
  private nextAck = 1;

  static async open(url: string, senders: SenderSpec[]): Promise<SocketIoSender> {
    const sender = new SocketIoSender();
    await Promise.all(senders.map((spec) => sender.connect(url, spec)));
    return sender;
  }

  send(spec: SenderSpec, seq: number, done: (error?: string) => void): void {
    const ws = this.sockets.get(spec.userId);
    if (ws?.readyState !== WebSocket.OPEN) return done('sender socket closed');
    const ack = this.nextAck++;
    this.acks.set(ack, done);
    ws.send(`42${ack}${JSON.stringify(['send', { c: spec.conversationId, k: `storm-${seq}`, t: String(seq) }])}`);
  }

  close(): void {
    for (const ws of this.sockets.values()) ws.close();
  }

  private connect(url: string, spec: SenderSpec): Promise<void> {
    const ws = new WebSocket(`${url}&user=${spec.userId}`, { perMessageDeflate: false });
    this.sockets.set(spec.userId, ws);
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        const frame = data.toString();
        if (frame === '2') return ws.send('3');
        if (frame.startsWith('0{')) return ws.send('40');
        if (frame.startsWith('40')) return resolve();
        const ack = /^43(\d+)(.*)$/s.exec(frame);
        if (!ack) return;
        const done = this.acks.get(Number(ack[1]));
        this.acks.delete(Number(ack[1]));
        const [reply] = JSON.parse(ack[2]!) as [{ error?: string }];
        done?.(reply.error);
      });
    });
  }
}
