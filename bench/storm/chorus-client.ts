// A Chorus client of the storm: one socket, one events.subscribe, spoken through lib/trpc-wire.ts.
// When its socket drops it reconnects as @chorus/client does (its ReconnectSchedule: full-jitter
// backoff, or the wait a closing server's retry hint asks for), going through the instance list
// (the next URL on each attempt, as a client given several addresses would), and resumes its
// subscription from the last event id it received.
import WebSocket from 'ws';
import { nowMs } from '../lib/fixed-rate';
import { chorusWs, TrpcWire } from '../lib/trpc-wire';
import { ReconnectSchedule, retryHintOf } from '../lib/workspace';
import type { ClientSpec } from './protocol';
import type { Delivered } from './tracker';

export interface ReconnectCounters {
  failedAttempts: number;
  hinted: number;
  hintMsTotal: number;
}

interface ChorusEventShape {
  type?: string;
  message?: { text?: string };
}

export class ChorusStormClient {
  private urlIndex: number;
  private lastEventId: string | undefined;
  private readonly schedule = new ReconnectSchedule();
  private attempt = 0;
  private closed = false;
  private wire: TrpcWire | null = null;
  /** Resolves once the first subscription delivered its snapshot. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly spec: ClientSpec,
    private readonly urls: string[],
    private readonly delivered: Delivered,
    private readonly counters: ReconnectCounters,
    /** The moment of the kill, once it happened: a drop after it counts as the storm's. */
    private readonly killedAt: () => number | null,
  ) {
    this.urlIndex = spec.home;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.open();
  }

  close(): void {
    this.closed = true;
    this.wire?.close();
  }

  private open(): void {
    this.delivered.dialling();
    const ws = new WebSocket(chorusWs(this.urls[this.urlIndex]!), { perMessageDeflate: false });
    const wire = new TrpcWire(ws, this.spec.token);
    this.wire = wire;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.delivered.resuming();
      wire.subscribe(
        'events.subscribe',
        {},
        { data: (event, trackedId) => this.event(event as ChorusEventShape, trackedId, wire), error: () => {} },
        this.lastEventId,
      );
    });
    ws.on('message', (data: Buffer) => wire.receive(data.toString()));
    ws.on('error', () => {});
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.closed) return;
      const event = { code, reason: reason.toString() };
      const hint = retryHintOf(event);
      if (hint !== null) {
        this.counters.hinted++;
        this.counters.hintMsTotal += hint;
        if (code === 1013) this.delivered.overloaded = true;
      }
      if (!opened) this.counters.failedAttempts++;
      const killedAt = this.killedAt();
      if (killedAt !== null && this.delivered.droppedAt === null) this.delivered.droppedAt = nowMs();
      this.schedule.closed(event);
      const delay = this.schedule.delay(opened ? 0 : ++this.attempt);
      if (opened) this.attempt = 0;
      // The next address of the list: the dead instance refuses at once, the survivor takes it.
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      setTimeout(() => this.open(), delay);
    });
  }

  private event(event: ChorusEventShape, trackedId: string | undefined, wire: TrpcWire): void {
    if (wire !== this.wire) return;
    if (trackedId !== undefined) this.lastEventId = trackedId;
    if (event.type === 'message.created') return this.delivered.message(Number(event.message?.text));
    if (event.type === 'resync') this.delivered.resyncs++;
    // Anything else on a resumed stream comes after its catch-up (the snapshot first).
    this.delivered.resumedNow();
    this.markReady();
  }
}
