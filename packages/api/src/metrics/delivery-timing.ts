import type { Metrics } from './metrics';

/**
 * Events committed longer ago than this are not timed. A live first publish reaches the sockets
 * within milliseconds of its commit; an older one is a republish of an event whose process died
 * before publishing it (the conversation publisher's sweeper) or that waited out a Redis outage,
 * and still carries its original `at`: timing it would report minutes of "delivery latency".
 */
export const LIVE_DELIVERY_MAX_AGE_MS = 60_000;

/**
 * Times a delivered event from its commit (the event's `at`) to now, once its local listeners
 * have written it to their sockets (the bytes leave at the end of this event-loop turn). Only
 * when a sample is due, and only live events: one that is not timed (no `at`, or too old) leaves
 * the sample to the next event. Metrics off never reads the event.
 */
export function timeDelivery(metrics: Metrics, event: object): void {
  if (!metrics.enabled) return;
  const at = (event as { at?: unknown }).at;
  if (!(at instanceof Date)) return;
  const ageMs = Date.now() - at.getTime();
  if (ageMs > LIVE_DELIVERY_MAX_AGE_MS || !metrics.deliverySampleDue()) return;
  metrics.eventDelivered(Math.max(0, ageMs) / 1000);
}
