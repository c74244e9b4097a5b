// The one place that says whether a user wants to hear about something in a conversation:
// push fan-out, badges and the mail digest all ask here.
import type { TConversationKind, TNotificationLevel, TNotificationSettingsRow } from '@chorus/db';

export type TMemberNotifyLevel = TNotificationLevel | 'default';

/** The settings a user without a stored row has. */
export const defaultNotificationSettings: Omit<TNotificationSettingsRow, 'userId'> = {
  directLevel: 'all',
  groupLevel: 'mentions',
  roomLevel: 'mentions',
  dndStartMinute: null,
  dndEndMinute: null,
  timeZone: 'UTC',
  pushPrivacy: 'full',
  digestEnabled: true,
  lastDigestAt: null,
};

type LevelSettings = Pick<TNotificationSettingsRow, 'directLevel' | 'groupLevel' | 'roomLevel'>;

/** The member's own level for the conversation, else their default for its kind. */
export function effectiveLevel(kind: TConversationKind, member: TMemberNotifyLevel, settings: LevelSettings): TNotificationLevel {
  if (member !== 'default') return member;
  if (kind === 'direct') return settings.directLevel;
  return kind === 'group' ? settings.groupLevel : settings.roomLevel;
}

export function isMuted(mutedUntil: Date | null, now: Date): boolean {
  return mutedUntil !== null && mutedUntil.getTime() > now.getTime();
}

/**
 * Whether an event in a conversation reaches the user at this level: `all` hears everything,
 * `mentions` only what names them (a mention, a reply to their message, a thread they follow).
 * Direct messages always name their receiver.
 */
export function levelAllows(level: TNotificationLevel, addressed: boolean): boolean {
  return level === 'all' || (level === 'mentions' && addressed);
}

/** Minutes after local midnight in a time zone. */
function localMinute(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/**
 * When do-not-disturb ends if it holds now, else null. The hours are local and may wrap past
 * midnight (22:00–07:00); the end is found by stepping minutes, so time-zone changes (DST) are
 * honoured without a calendar library.
 */
export function dndEndsAt(settings: Pick<TNotificationSettingsRow, 'dndStartMinute' | 'dndEndMinute' | 'timeZone'>, now: Date): Date | null {
  const { dndStartMinute: start, dndEndMinute: end, timeZone } = settings;
  if (start === null || end === null || start === end) return null;
  const inside = (minute: number) => (start < end ? minute >= start && minute < end : minute >= start || minute < end);
  const current = localMinute(now, timeZone);
  if (!inside(current)) return null;
  const minuteStart = now.getTime() - (now.getTime() % 60_000);
  for (let step = 1; step <= 24 * 60; step += 1) {
    const candidate = new Date(minuteStart + step * 60_000);
    if (!inside(localMinute(candidate, timeZone))) return candidate;
  }
  return null;
}
