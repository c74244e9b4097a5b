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
});
