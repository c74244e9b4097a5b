// What the storm's load process knows of the messages: the sends (per conversation, seq k is the
// message whose text is "k") and, per client, which of them arrived and how often, so each client
// can say when it has caught up and, at the end, what it lost or got twice.
import { nowMs } from '../lib/fixed-rate';

export class Sends {
  /** Highest seq handed to a send, per conversation. */
  readonly issued = new Map<number, number>();
  /** Seqs whose send failed: not owed to anyone (counted apart). */
  readonly failed = new Map<number, Set<number>>();
  total = 0;
  failedCount = 0;

  next(conversationId: number): number {
    const seq = (this.issued.get(conversationId) ?? 0) + 1;
    this.issued.set(conversationId, seq);
    this.total++;
    return seq;
  }

  fail(conversationId: number, seq: number): void {
    let set = this.failed.get(conversationId);
    if (!set) this.failed.set(conversationId, (set = new Set()));
    set.add(seq);
    this.failedCount++;
  }
}

export class Delivered {
  private counts = new Uint8Array(64);
  /** Every seq up to here arrived (or failed to send). */
  contiguous = 0;
  duplicated = 0;
  resyncs = 0;
  /** Set when the kill dropped this client. */
  droppedAt: number | null = null;
  /** Seqs issued when the client resumed: it is caught up once it holds them all and the server said the catch-up is done. */
  owed = 0;
  resumed = false;
  /** When the client last dialled after the drop (its reconnect delay over). */
  dialledAt: number | null = null;
  /** When the resumption that caught up was sent, and when its stream said the catch-up was over. */
  resumingAt: number | null = null;
  resumedAt: number | null = null;
  caughtUpAt: number | null = null;
  overloaded = false;

  constructor(
    readonly conversationId: number,
    private readonly sends: Sends,
  ) {}

  message(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= 0) return;
    if (seq >= this.counts.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[seq]! > 0) this.duplicated++;
    this.counts[seq] = Math.min(255, this.counts[seq]! + 1);
    const failed = this.sends.failed.get(this.conversationId);
    while (this.contiguous + 1 < this.counts.length && (this.counts[this.contiguous + 1]! > 0 || failed?.has(this.contiguous + 1))) this.contiguous++;
    this.check();
  }

  /** A resumed stream said it has delivered what was missed (Chorus: the snapshot after the catch-up; Socket.IO: the connect). */
  resumedNow(): void {
    if (this.droppedAt === null || this.resumed) return;
    this.resumed = true;
    this.resumedAt = nowMs();
    this.check();
  }

  /** Called as the client opens a socket: after a drop, the end of its reconnect delay. */
  dialling(): void {
    if (this.droppedAt !== null && this.caughtUpAt === null) this.dialledAt = nowMs();
  }

  /** Called as the client sends its resumption: what it owes from then on. */
  resuming(): void {
    if (this.droppedAt === null || this.caughtUpAt !== null) return;
    this.resumed = false;
    this.resumingAt = nowMs();
    this.owed = this.sends.issued.get(this.conversationId) ?? 0;
  }

  /** Messages issued to the conversation that never arrived (failed sends excepted). */
  lost(): number {
    const issued = this.sends.issued.get(this.conversationId) ?? 0;
    const failed = this.sends.failed.get(this.conversationId);
    let lost = 0;
    for (let seq = 1; seq <= issued; seq++) if ((this.counts[seq] ?? 0) === 0 && !failed?.has(seq)) lost++;
    return lost;
  }

  private check(): void {
    if (this.droppedAt !== null && this.caughtUpAt === null && this.resumed && this.contiguous >= this.owed) this.caughtUpAt = nowMs();
  }
}
