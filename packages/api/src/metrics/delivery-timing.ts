import type { Metrics } from './metrics';

/**
 * Times a delivered event from its commit (the event's `at`) to now, once its local listeners
 * have written it to their sockets (the bytes leave at the end of this event-loop turn). Only
 * when a sample is due: metrics off never reads the event.
 */
export function timeDelivery(metrics: Metrics, event: object): void {
  if (!metrics.deliverySampleDue()) return;
  const at = (event as { at?: unknown }).at;
  if (at instanceof Date) metrics.eventDelivered(Math.max(0, Date.now() - at.getTime()) / 1000);
}
