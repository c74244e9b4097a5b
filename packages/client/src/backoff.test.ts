import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  it('grows exponentially, stays within [ceiling/2, ceiling] and is capped', () => {
    expect(reconnectDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(reconnectDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(reconnectDelay(3, 500, 30_000, () => 0)).toBe(2000);
    expect(reconnectDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(reconnectDelay(40, 500, 30_000, () => 1)).toBe(30_000);
    expect(reconnectDelay(40, 500, 30_000, () => 0)).toBe(15_000);
  });

  it('spreads clients out', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
