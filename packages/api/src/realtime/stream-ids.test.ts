import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId } from './stream-ids';

describe('stream ids', () => {
  it('compare by milliseconds, then by sequence, as numbers', () => {
    const ordered = ['0-0', '9-5', '10-0', '10-2', '10-10', '1700000000000-0', '1700000000000-1', '1700000000001-0'];
    for (const [i, a] of ordered.entries()) {
      for (const [j, b] of ordered.entries()) expect(Math.sign(compareStreamIds(a, b))).toBe(Math.sign(i - j));
    }
    expect(compareStreamIds('12', '12-0')).toBe(0);
  });

  it('accept only ids the streams give out', () => {
    expect(['1700000000000-0', '0-0', '5-12'].map(isStreamId)).toEqual([true, true, true]);
    expect(['', '1-', '-1', '1-2-3', 'a-1', '1 -1', '1-1\n'].map(isStreamId)).toEqual([false, false, false, false, false, false, false]);
  });
});
