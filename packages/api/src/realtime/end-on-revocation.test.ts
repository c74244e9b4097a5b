import { getEventListeners } from 'node:events';
import { exposedGc } from '@chorus/testing';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { endOnRevocation } from './end-on-revocation';

/** A source that yields what `push` gives it and records whether it was closed. */
function controllableSource() {
  const queue: number[] = [];
  let wake: (() => void) | null = null;
  const state = { returned: false };
  async function* source() {
    try {
      while (true) {
        while (queue.length > 0) yield queue.shift()!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      state.returned = true;
    }
  }
  return {
    iterable: source(),
    push(value: number) {
      queue.push(value);
      wake?.();
    },
    state,
  };
}

function watch() {
  const controller = new AbortController();
  const released = { count: 0 };
  return { controller, released, handle: { signal: controller.signal, release: () => released.count++ } };
}

describe('endOnRevocation', () => {
  it('passes items through with one abort listener however many items go by', async () => {
    const source = controllableSource();
    const { controller, handle } = watch();
    const stream = endOnRevocation(source.iterable, handle);
    for (let value = 1; value <= 50; value++) {
      source.push(value);
      expect(await stream.next()).toEqual({ done: false, value });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    }
    await stream.return(undefined);
  });

  it('fails with UNAUTHORIZED while waiting for an item when the session is revoked, closing the source', async () => {
    const source = controllableSource();
    const { controller, released, handle } = watch();
    const stream = endOnRevocation(source.iterable, handle);
    source.push(1);
    await stream.next();
    const waiting = stream.next();
    controller.abort();
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UNAUTHORIZED');
    expect(released.count).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The source is closed as soon as the item it was producing settles (real streams end on their own signal).
    source.push(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.state.returned).toBe(true);
  });

  it('yields nothing once revoked before the first item', async () => {
    const source = controllableSource();
    const { controller, handle } = watch();
    controller.abort();
    source.push(1);
    await expect(endOnRevocation(source.iterable, handle).next()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('releases the watch when the source ends on its own', async () => {
    const { released, handle, controller } = watch();
    async function* two() {
      yield 1;
      yield 2;
    }
    const seen: number[] = [];
    for await (const value of endOnRevocation(two(), handle)) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(released.count).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

/** A source answering each `next` with what `push` gives it; it keeps nothing itself. */
function handOverSource() {
  let answer: ((result: IteratorResult<object>) => void) | null = null;
  const iterator = {
    next: () => new Promise<IteratorResult<object>>((resolve) => (answer = resolve)),
    return: async () => ({ done: true as const, value: undefined }),
  };
  return {
    iterable: { [Symbol.asyncIterator]: () => iterator },
    push(value: object) {
      answer?.({ done: false, value });
      answer = null;
    },
  };
}

describe('endOnRevocation and memory', () => {
  it('keeps no item it passed on while it waits for the next (a room snapshot per subscriber adds up)', async () => {
    const gc = exposedGc();
    const source = handOverSource();
    const stream = endOnRevocation(source.iterable, watch().handle);
    const sent = await (async () => {
      const next = stream.next();
      const item = { snapshot: new Array(10_000).fill('member') };
      source.push(item);
      expect((await next).value).toBe(item);
      return new WeakRef(item);
    })();
    const waiting = stream.next();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(sent.deref()).toBeUndefined();
    source.push({});
    await waiting;
    await stream.return(undefined);
  });
});
