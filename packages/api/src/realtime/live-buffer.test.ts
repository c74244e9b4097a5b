import { describe, expect, it } from 'vitest';
import { LiveBuffer } from './live-buffer';

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('LiveBuffer', () => {
  it('keeps deliveries and ephemeral events in arrival order and reports the stream position', () => {
    let position = 3;
    const buffer = new LiveBuffer<number, string, number>(() => position);
    buffer.onDelivery(4);
    buffer.onEphemeral('typing');
    buffer.onDelivery(5);
    expect(buffer.live).toEqual([4, 5]);
    expect(buffer.ephemeral).toEqual(['typing']);
    expect(buffer.position()).toBe(3);
    position = 5;
    expect(buffer.position()).toBe(5);
    expect(buffer.mustRead).toBe(false);
  });

  it('drops its deliveries and asks for a read of the log once it holds too many', () => {
    const buffer = new LiveBuffer<number, string, number>(() => 0);
    for (let seq = 1; seq <= 1001; seq++) buffer.onDelivery(seq);
    expect(buffer.mustRead).toBe(true);
    expect(buffer.live).toEqual([]);
    for (let i = 0; i < 1001; i++) buffer.onEphemeral('x');
    expect(buffer.ephemeral).toHaveLength(1000);
  });

  it('wakes a waiting stream on a delivery, an ephemeral event, a possible miss, or an interrupt', async () => {
    const buffer = new LiveBuffer<number, string, number>(() => 0);
    const wakers = [() => buffer.onDelivery(1), () => buffer.onEphemeral('e'), () => buffer.onMaybeMissed(), () => buffer.interrupt()];
    for (const wake of wakers) {
      const waiting = buffer.arrival(undefined);
      expect(await settled(waiting)).toBe(false);
      wake();
      expect(await settled(waiting)).toBe(true);
    }
  });

  it('does not wait once the subscription was aborted', async () => {
    const buffer = new LiveBuffer<number, string, number>(() => 0);
    const controller = new AbortController();
    controller.abort();
    expect(await settled(buffer.arrival(controller.signal))).toBe(true);
  });

  it('hands items to its direct taker only while the stream waits with nothing held, so none overtakes another', async () => {
    const buffer = new LiveBuffer<number, string, number>(() => 0);
    const taken: Array<number | string> = [];
    let accept = true;
    buffer.direct = { live: (seq) => accept && taken.push(seq) > 0, ephemeral: (event) => accept && taken.push(event) > 0 };
    // Not waiting yet: the stream takes it.
    buffer.onDelivery(1);
    expect(buffer.live).toEqual([1]);
    buffer.live.length = 0;

    const waiting = buffer.arrival(undefined);
    buffer.onDelivery(2);
    buffer.onEphemeral('typing');
    expect(taken).toEqual([2, 'typing']);
    expect(await settled(waiting)).toBe(false);

    // Declined (a gap, say): the stream wakes, and everything after it queues behind it.
    accept = false;
    buffer.onDelivery(4);
    accept = true;
    buffer.onDelivery(5);
    buffer.onEphemeral('later');
    expect(buffer.live).toEqual([4, 5]);
    expect(buffer.ephemeral).toEqual(['later']);
    expect(await settled(waiting)).toBe(true);
    expect(taken).toEqual([2, 'typing']);

    // After a possible miss, the stream reads its log first.
    buffer.live.length = 0;
    buffer.ephemeral.length = 0;
    const again = buffer.arrival(undefined);
    buffer.onMaybeMissed();
    buffer.onDelivery(6);
    expect(buffer.live).toEqual([6]);
    expect(await settled(again)).toBe(true);
  });
});
