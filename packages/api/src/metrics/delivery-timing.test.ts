import { describe, expect, it } from 'vitest';
import { timeDelivery } from './delivery-timing';
import type { Metrics } from './metrics';
import { noopMetrics } from './noop-metrics';

/** A Metrics that records deliveries and says a sample is due when told to. */
function recording(due: boolean) {
  const delivered: number[] = [];
  const metrics: Metrics = { ...noopMetrics, enabled: true, deliverySampleDue: () => due, eventDelivered: (seconds) => delivered.push(seconds) };
  return { metrics, delivered };
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
});
