import { describe, expect, it } from 'vitest';
import { clockOffset, expectedPosition, formatTime } from './position';

const at = (iso: string) => new Date(iso);

describe('expectedPosition', () => {
  const base = { positionSec: 10, rate: 1, updatedAt: at('2026-01-01T00:00:00.000Z') };
  const t0 = base.updatedAt.getTime();

  it('stays where it was paused', () => {
    expect(expectedPosition({ ...base, paused: true }, t0 + 60_000)).toBe(10);
  });

  it('advances by rate × elapsed while playing', () => {
    expect(expectedPosition({ ...base, paused: false }, t0 + 2_500)).toBeCloseTo(12.5);
    expect(expectedPosition({ ...base, paused: false, rate: 2 }, t0 + 2_500)).toBeCloseTo(15);
    expect(expectedPosition({ ...base, paused: false, rate: 0.5 }, t0 + 4_000)).toBeCloseTo(12);
  });

  it('never goes back when our clock reads before the change (offset error)', () => {
    expect(expectedPosition({ ...base, paused: false }, t0 - 500)).toBe(10);
  });
});

describe('clockOffset', () => {
  it('is the server time minus the midpoint of the round trip', () => {
    expect(clockOffset([{ sentAt: 1_000, serverTime: 5_050, receivedAt: 1_100 }])).toBe(4_000);
  });

  it('trusts the shortest round trip', () => {
    const samples = [
      { sentAt: 0, serverTime: 900, receivedAt: 600 }, // slow: its midpoint guess is poor
      { sentAt: 1_000, serverTime: 1_510, receivedAt: 1_020 },
      { sentAt: 2_000, serverTime: 2_700, receivedAt: 2_200 },
    ];
    expect(clockOffset(samples)).toBe(500);
  });

  it('is 0 without samples', () => {
    expect(clockOffset([])).toBe(0);
  });
});

describe('formatTime', () => {
  it('shows minutes and seconds, hours when there are some', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(65.9)).toBe('1:05');
    expect(formatTime(3_725)).toBe('1:02:05');
    expect(formatTime(Number.POSITIVE_INFINITY)).toBe('0:00');
  });
});
