import { describe, expect, it } from 'vitest';
import { CatchUpGate, type Admission } from './catch-up-gate';

const passOf = (admission: Admission) => {
  if (!('pass' in admission)) throw new Error(`refused (${admission.retryAfterMs} ms)`);
  return admission.pass;
};

describe('CatchUpGate', () => {
  it('admits up to its concurrency, then in arrival order as slots free', async () => {
    const gate = new CatchUpGate({ concurrency: 2, maxQueued: 10, maxWaitMs: 10_000 });
    const first = passOf(await gate.enter());
    const second = passOf(await gate.enter());
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => gate.enter().then((admission) => (order.push(n), passOf(admission))));
    expect(gate.waiting).toBe(3);
    first.release();
    first.release(); // idempotent: frees one slot only
    const third = await waiting[0]!;
    expect(gate.active).toBe(2);
    second.release();
    third.release();
    await Promise.all(waiting.slice(1));
    expect(order).toEqual([1, 2, 3]);
  });

  it('refuses with a bounded, spread retry hint when the queue is full or the wait too long, and lets aborted waiters go', async () => {
    const gate = new CatchUpGate({ concurrency: 1, maxQueued: 1, maxWaitMs: 100 }, () => 0.5);
    const held = passOf(await gate.enter());
    const queued = gate.enter();
    const full = await gate.enter();
    expect(full).toEqual({ retryAfterMs: 500 });
    const timedOut = await queued;
    expect('retryAfterMs' in timedOut && timedOut.retryAfterMs).toBeGreaterThanOrEqual(500);
    expect(gate.waiting).toBe(0);

    const controller = new AbortController();
    const aborted = gate.enter(controller.signal);
    controller.abort();
    expect('retryAfterMs' in (await aborted)).toBe(true);
    held.release();
    passOf(await gate.enter()).release();
    expect(gate.active).toBe(0);
  });
});
