import { describe, expect, it } from 'vitest';
import { positionRank } from './gtid';

describe('positionRank', () => {
  it('grows with every domain of a MariaDB position and every source of a MySQL GTID set', () => {
    expect(positionRank('')).toBe(0);
    expect(positionRank('0-1-41')).toBeLessThan(positionRank('0-1-42'));
    expect(positionRank('0-1-42,1-1-7')).toBeLessThan(positionRank('0-1-42,1-1-8'));
    const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(positionRank(`${uuid}:1-99`)).toBeLessThan(positionRank(`${uuid}:1-100`));
    expect(positionRank(`${uuid}:1-5:7-9,\n${uuid.replace('3e', '4f')}:1-3`)).toBe(12);
  });
});
