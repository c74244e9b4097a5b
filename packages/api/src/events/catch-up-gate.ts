import { closeOverloaded, type FrameSink } from '@chorus/transport';
import { AppError } from '../errors';

/**
 * Admission for resumptions. When an instance dies, its clients reconnect to the others and
 * each resumed `events.subscribe` first reads what it missed. Thousands arriving together would
 * all read at once, every one of them finishing late. Here at most `concurrency` catch-ups run at
 * a time and the rest wait in arrival order (first come, first served, so the first to arrive is
 * the first caught up). Nobody waits without bound: when the queue is full, or a resumption has
 * waited `maxWaitMs`, it is refused with a retry hint (the expected time for the queue ahead to
 * drain, spread so the refused do not return together), and the client comes back later,
 * perhaps to another instance, from the same last event id.
 */
export interface CatchUpLimits {
  /** Catch-ups reading at the same time. */
  concurrency: number;
  /** Resumptions waiting for a slot; one more is refused at once. */
  maxQueued: number;
  /** The longest a resumption waits for a slot before it is refused. */
  maxWaitMs: number;
}

export const defaultCatchUpLimits: CatchUpLimits = { concurrency: 32, maxQueued: 4096, maxWaitMs: 10_000 };

/** A held slot; `release` is idempotent, so every way a stream ends may call it. */
export interface CatchUpPass {
  release(): void;
}

export type Admission = { pass: CatchUpPass } | { retryAfterMs: number };

interface Waiter {
  admit(): void;
  refuse(): void;
}

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export class CatchUpGate {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** How long a catch-up holds its slot, smoothed: what the retry hints are estimated from. */
  private holdMs = 50;

  constructor(
    readonly limits: CatchUpLimits = defaultCatchUpLimits,
    private readonly random: () => number = Math.random,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.running;
  }

  /** Waits for a slot (in arrival order), or answers with a retry hint when it cannot give one. */
  enter(signal?: AbortSignal): Promise<Admission> {
    if (this.running < this.limits.concurrency && this.queue.length === 0) return Promise.resolve({ pass: this.take() });
    if (this.queue.length >= this.limits.maxQueued) return Promise.resolve({ retryAfterMs: this.retryHint(this.queue.length) });
    return new Promise((resolve) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        return index;
      };
      const waiter: Waiter = {
        admit: () => {
          leave();
          resolve({ pass: this.take() });
        },
        refuse: () => resolve({ retryAfterMs: this.retryHint(leave()) }),
      };
      // The subscription ended while it waited: its place goes to the next one.
      const onAbort = () => waiter.refuse();
      const timer = setTimeout(() => waiter.refuse(), this.limits.maxWaitMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private take(): CatchUpPass {
    this.running++;
    const started = performance.now();
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.running--;
        this.holdMs = this.holdMs * 0.9 + (performance.now() - started) * 0.1;
        this.queue[0]?.admit();
      },
    };
  }

  /** The time for `ahead` queued catch-ups to drain, once to twice over (spread), within bounds. */
  private retryHint(ahead: number): number {
    const drainMs = (Math.max(ahead, 1) / this.limits.concurrency) * this.holdMs;
    const spread = drainMs * (1 + this.random());
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, spread)));
  }
}

const gates = new WeakMap<object, CatchUpGate>();

/** The gate of one instance (its AppDeps): made on first use with the default limits. */
export function catchUpGateOf(deps: object): CatchUpGate {
  let gate = gates.get(deps);
  if (!gate) gates.set(deps, (gate = new CatchUpGate()));
  return gate;
}

/** Sets an instance's limits (before it serves): for a deployment's tuning and for tests. */
export function configureCatchUps(deps: object, limits: Partial<CatchUpLimits>): CatchUpGate {
  const gate = new CatchUpGate({ ...defaultCatchUpLimits, ...limits });
  gates.set(deps, gate);
  return gate;
}

/**
 * Admits one resumed subscription of `ctx`'s instance, or refuses it. Refused on a WebSocket:
 * the socket is closed with 1013 and the hint, so the client reconnects after it and resumes
 * every subscription of the socket from its last event id (the typed error that follows is
 * never read); elsewhere the typed error carries `retryAfter`. The pass is also released when
 * the subscription ends, whatever ends it.
 */
export async function admitResumption(ctx: { deps: object; socket?: FrameSink }, signal: AbortSignal | undefined): Promise<CatchUpPass> {
  const entry = await catchUpGateOf(ctx.deps).enter(signal);
  if ('pass' in entry) {
    const { pass } = entry;
    signal?.addEventListener('abort', () => pass.release(), { once: true });
    return pass;
  }
  const retryAfter = Math.ceil(entry.retryAfterMs / 1000);
  // Stopped while it waited: nothing to answer, and the socket is not this subscription's to close.
  if (signal?.aborted) throw new AppError('UNAVAILABLE', 'The subscription ended while it waited', { retryAfter });
  closeOverloaded(ctx.socket, entry.retryAfterMs);
  throw new AppError('UNAVAILABLE', 'Too many subscriptions are resuming on this server; retry later', { retryAfter });
}
