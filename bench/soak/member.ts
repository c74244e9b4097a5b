// A member of the soak: one socket, one events.subscribe through lib/trpc-wire.ts, and what it
// received. Each message's text is its number in its group (1, 2, …), so a member knows which
// ones it lacks or got twice; the envelope's `seq` (the conversation's order) must only grow.
import WebSocket from 'ws';
import { nowMs } from '../lib/fixed-rate';
import { chorusWs, TrpcWire } from '../lib/trpc-wire';
import type { MemberSpec } from './protocol';

interface EventShape {
  type?: string;
  seq?: number;
  reason?: string;
  message?: { text?: string };
}

/** The messages sent to each group: how many were issued and which of them failed. */
export class Issued {
  readonly count = new Map<number, number>();
  readonly failed = new Map<number, Set<number>>();

  next(conversationId: number): number {
    const n = (this.count.get(conversationId) ?? 0) + 1;
    this.count.set(conversationId, n);
    return n;
  }

  fail(conversationId: number, n: number): void {
    let set = this.failed.get(conversationId);
    if (!set) this.failed.set(conversationId, (set = new Set()));
    set.add(n);
  }
}

export class Member {
  private counts = new Uint8Array(256);
  wire: TrpcWire | null = null;
  lastEventId: string | undefined;
  received = 0;
  duplicated = 0;
  outOfOrder = 0;
  resyncReasons: string[] = [];
  private lastSeq = 0;
  /** Set when the socket closed without this side asking. */
  dropped = false;
  /** Called at the first event of a subscription that is neither a message nor a resync: the snapshot, which ends a catch-up. */
  private onSnapshot: (() => void) | null = null;
  private closing = false;

  constructor(readonly spec: MemberSpec) {}

  /** Opens a socket and subscribes (resuming after `lastEventId` when given); resolves at the snapshot. */
  connect(url: string, lastEventId?: string, timeoutMs = 30_000): Promise<number> {
    this.closing = false;
    const ws = new WebSocket(chorusWs(url), { perMessageDeflate: false });
    const wire = new TrpcWire(ws, this.spec.token);
    this.wire = wire;
    const t0 = nowMs();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`user ${this.spec.userId}: no snapshot within ${timeoutMs} ms`)), timeoutMs);
      this.onSnapshot = () => {
        clearTimeout(timer);
        resolve(nowMs() - t0);
      };
      ws.on('open', () =>
        wire.subscribe(
          'events.subscribe',
          {},
          {
            data: (event, trackedId) => this.event(event as EventShape, trackedId),
            error: (text) => {
              clearTimeout(timer);
              reject(new Error(text));
            },
          },
          lastEventId,
        ),
      );
      ws.on('message', (data: Buffer) => wire.receive(data.toString()));
      ws.on('error', () => {});
      ws.on('close', () => {
        if (!this.closing) this.dropped = true;
        clearTimeout(timer);
        reject(new Error(`user ${this.spec.userId}: socket closed`));
      });
    });
  }

  /** Closes the socket (after which its events stop). */
  close(): Promise<void> {
    this.closing = true;
    const ws = this.wire?.ws;
    this.wire = null;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 5000).unref();
    });
  }

  /** Messages issued to its group (failed sends excepted) that it never received. */
  lost(issued: Issued): number {
    const upTo = issued.count.get(this.spec.conversationId) ?? 0;
    const failed = issued.failed.get(this.spec.conversationId);
    let lost = 0;
    for (let n = 1; n <= upTo; n++) if ((this.counts[n] ?? 0) === 0 && !failed?.has(n)) lost++;
    return lost;
  }

  /** Whether every message issued to its group so far (failed ones excepted) arrived. */
  complete(issued: Issued): boolean {
    return this.lost(issued) === 0;
  }

  /** The highest message number received (where a member that left stopped). */
  get highest(): number {
    for (let n = this.counts.length - 1; n > 0; n--) if (this.counts[n]! > 0) return n;
    return 0;
  }

  private event(event: EventShape, trackedId: string | undefined): void {
    if (trackedId !== undefined) this.lastEventId = trackedId;
    if (event.type === 'message.created') return this.message(Number(event.message?.text), event.seq ?? 0);
    if (event.type === 'resync') {
      this.resyncReasons.push(event.reason ?? '?');
      return;
    }
    const done = this.onSnapshot;
    this.onSnapshot = null;
    done?.();
  }

  private message(n: number, seq: number): void {
    if (!Number.isSafeInteger(n) || n <= 0) return;
    if (n >= this.counts.length) {
      const grown = new Uint8Array(Math.max(n + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.received++;
    if (this.counts[n]! > 0) this.duplicated++;
    else if (seq <= this.lastSeq) this.outOfOrder++;
    this.counts[n] = Math.min(255, this.counts[n]! + 1);
    this.lastSeq = Math.max(this.lastSeq, seq);
  }
}
