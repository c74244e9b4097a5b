import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue';

const logger = pino({ level: 'silent' });

/** A job that runs until `release` is called, counting how many run at once. */
function gate(running: { now: number; max: number }) {
  let release = () => {};
  const done = new Promise<void>((resolve) => (release = resolve));
  const job = async () => {
    running.now++;
    running.max = Math.max(running.max, running.now);
    await done;
    running.now--;
  };
  return { job, release: () => release() };
}

describe('JobQueue', () => {
  it('runs at most `concurrency` jobs at once, in order, and keeps going after a failure', async () => {
    const queue = new JobQueue(logger, 2, 10);
    queue.push(() => Promise.reject(new Error('boom')));
    await queue.idle();
    const running = { now: 0, max: 0 };
    const order: number[] = [];
    const gates = [1, 2, 3, 4].map(() => gate(running));
    gates.forEach((entry, index) => queue.push(() => (order.push(index), entry.job())));
    expect(running.now).toBe(2);
    for (const entry of gates) entry.release();
    await queue.idle();
    expect(running.max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('drops jobs beyond `maxQueued` and, once closed, new and waiting ones', async () => {
    const queue = new JobQueue(logger, 1, 1);
    const running = { now: 0, max: 0 };
    const first = gate(running);
    let ran = 0;
    expect(queue.push(first.job)).toBe(true);
    expect(queue.push(async () => void ran++)).toBe(true);
    expect(queue.push(async () => void ran++)).toBe(false);
    const closing = queue.close();
    expect(queue.push(async () => void ran++)).toBe(false);
    first.release();
    await closing;
    expect(ran).toBe(0);
  });
});
