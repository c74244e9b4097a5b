import { describe, expect, it } from 'vitest';
import { ReconnectSchedule, reconnectDelay, retryHintOf } from './backoff';

describe('reconnectDelay', () => {
  it('draws from the whole interval up to an exponential ceiling (full jitter), capped', () => {
    expect(reconnectDelay(0, 1000, 30_000, () => 0)).toBe(0);
    expect(reconnectDelay(0, 1000, 30_000, () => 0.999_999)).toBe(1000);
    expect(reconnectDelay(3, 1000, 30_000, () => 0.5)).toBe(4000);
    expect(reconnectDelay(40, 1000, 30_000, () => 0.999_999)).toBe(30_000);
  });

  it('spreads a crowd evenly over the first interval: no bunching at its end', () => {
    const delays = Array.from({ length: 10_000 }, () => reconnectDelay(0));
    const quarters = [0, 0, 0, 0];
    for (const delay of delays) quarters[Math.min(3, Math.floor(delay / 250))]!++;
    for (const count of quarters) expect(count).toBeGreaterThan(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
  });
});

describe('retry hints', () => {
  it('reads the hint of a restart or overload close, and nothing else', () => {
    expect(retryHintOf({ code: 1012, reason: 'server restarting; retry-ms=1840' })).toBe(1840);
    expect(retryHintOf({ code: 1013, reason: 'overloaded; retry-ms=700' })).toBe(700);
    expect(retryHintOf({ code: 1013, reason: 'slow consumer' })).toBeNull();
    expect(retryHintOf({ code: 1006, reason: 'retry-ms=5' })).toBeNull();
    expect(retryHintOf({ code: 4401, reason: 'session ended; retry-ms=5' })).toBeNull();
    expect(retryHintOf(undefined)).toBeNull();
  });

  it('waits for the hint once, counted from the close, then falls back to the backoff', () => {
    let now = 10_000;
    const schedule = new ReconnectSchedule({ now: () => now, random: () => 0.5 });
    expect(schedule.delay(0)).toBe(500);
    schedule.closed({ code: 1013, reason: 'overloaded; retry-ms=2500' });
    now += 300;
    expect(schedule.delay(0)).toBe(2200);
    expect(schedule.delay(1)).toBe(1000);
    schedule.closed({ code: 1012, reason: 'server restarting; retry-ms=999999' });
    expect(schedule.delay(0)).toBe(30_000);
  });
});
