import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DeltaBatcher } from './delta-batcher';

describe('DeltaBatcher', () => {
  it('sends the first piece at once and batches the rest per interval, in order', async () => {
    const writes: Array<{ text: string; at: number }> = [];
    const started = performance.now();
    const batcher = new DeltaBatcher(
      40,
      async (text) => void writes.push({ text, at: performance.now() - started }),
      () => {},
    );
    batcher.add('a');
    expect(writes.map((w) => w.text)).toEqual([]); // written on the next microtask
    await sleep(0);
    expect(writes.map((w) => w.text)).toEqual(['a']);
    batcher.add('b');
    batcher.add('c');
    await sleep(10);
    expect(writes).toHaveLength(1);
    await sleep(50);
    expect(writes.map((w) => w.text)).toEqual(['a', 'bc']);
    expect(writes[1]!.at).toBeGreaterThanOrEqual(35);
    batcher.add('d');
    expect(await batcher.close()).toBe('abcd');
    expect(writes.map((w) => w.text)).toEqual(['a', 'bc', 'd']);
  });

  it('keeps going after a failed write and reports it', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    let fail = true;
    const batcher = new DeltaBatcher(
      0,
      async (text) => {
        if (fail) {
          fail = false;
          throw new Error('redis down');
        }
        written.push(text);
      },
      (error) => errors.push(error),
    );
    batcher.add('x');
    await sleep(5);
    batcher.add('y');
    expect(await batcher.close()).toBe('xy');
    expect(written).toEqual(['y']);
    expect(errors).toHaveLength(1);
  });
});
