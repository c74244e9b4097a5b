import { describe, expect, it } from 'vitest';
import { defaultNotificationSettings, dndEndsAt, effectiveLevel, isMuted, levelAllows } from './levels';

describe('notification levels', () => {
  it('takes the member level, else the default for the kind', () => {
    expect(effectiveLevel('direct', 'default', defaultNotificationSettings)).toBe('all');
    expect(effectiveLevel('group', 'default', defaultNotificationSettings)).toBe('mentions');
    expect(effectiveLevel('room', 'none', defaultNotificationSettings)).toBe('none');
    expect(effectiveLevel('group', 'all', { ...defaultNotificationSettings, groupLevel: 'none' })).toBe('all');
  });

  it('lets mentions through at mentions level only when addressed', () => {
    expect(levelAllows('mentions', true)).toBe(true);
    expect(levelAllows('mentions', false)).toBe(false);
    expect(levelAllows('none', true)).toBe(false);
    expect(levelAllows('all', false)).toBe(true);
  });

  it('mutes until the date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(isMuted(null, now)).toBe(false);
    expect(isMuted(new Date('2026-01-01T00:00:01Z'), now)).toBe(true);
    expect(isMuted(now, now)).toBe(false);
  });

  it('finds the end of do-not-disturb hours in the user time zone, across midnight', () => {
    const settings = { dndStartMinute: 22 * 60, dndEndMinute: 7 * 60, timeZone: 'Asia/Shanghai' };
    // 23:30 in Shanghai (UTC+8) is 15:30 UTC; the quiet hours end at 07:00 local = 23:00 UTC.
    expect(dndEndsAt(settings, new Date('2026-03-01T15:30:20Z'))?.toISOString()).toBe('2026-03-01T23:00:00.000Z');
    expect(dndEndsAt(settings, new Date('2026-03-01T12:00:00Z'))).toBeNull();
    expect(dndEndsAt({ ...settings, dndStartMinute: null }, new Date('2026-03-01T15:30:00Z'))).toBeNull();
    expect(dndEndsAt({ dndStartMinute: 60, dndEndMinute: 120, timeZone: 'UTC' }, new Date('2026-03-01T01:59:59Z'))?.toISOString()).toBe(
      '2026-03-01T02:00:00.000Z',
    );
  });
});
