import { describe, expect, it } from 'vitest';
import { timeDelivery } from './delivery-timing';
import type { Metrics } from './metrics';
import { noopMetrics } from './noop-metrics';

/** A Metrics that records deliveries and says a sample is due when told to; `asked` counts the slots taken. */
function recording(due: boolean) {
  const delivered: number[] = [];
  let asked = 0;
  const metrics: Metrics = {
    ...noopMetrics,
    enabled: true,
    deliverySampleDue: () => (asked++, due),
    eventDelivered: (seconds) => delivered.push(seconds),
  };
  return { metrics, delivered, asked: () => asked };
}

describe('timeDelivery', () => {
  it('times an event from its `at` when a sample is due', () => {
    const { metrics, delivered } = recording(true);
    timeDelivery(metrics, { type: 'message.created', at: new Date(Date.now() - 250) });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toBeGreaterThanOrEqual(0.25);
    expect(delivered[0]).toBeLessThan(1);
  });

  it('skips events when no sample is due, events without a time, and never reports a negative latency', () => {
    const idle = recording(false);
    timeDelivery(idle.metrics, { at: new Date() });
    expect(idle.delivered).toEqual([]);
    const due = recording(true);
    timeDelivery(due.metrics, { type: 'typing' });
    timeDelivery(due.metrics, { at: '2020-01-01' });
    timeDelivery(due.metrics, { at: new Date(Date.now() + 60_000) });
    expect(due.delivered).toEqual([0]);
  });

  it('never times an event older than a live publish, and leaves the sample slot to the next event', () => {
    const due = recording(true);
    timeDelivery(due.metrics, { type: 'read', at: new Date(Date.now() - 10 * 60_000) });
    timeDelivery(due.metrics, { type: 'typing' });
    expect(due.asked()).toBe(0);
    timeDelivery(due.metrics, { type: 'read', at: new Date(Date.now() - 20) });
    expect(due.asked()).toBe(1);
    expect(due.delivered).toHaveLength(1);
  });
});
