import { notificationSettings, type TNotificationSettingsRow } from '@chorus/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import { defaultNotificationSettings } from '../levels';
import type { TNotificationSettings, TUpdateNotificationSettingsInput } from './settings.schema';

type StoredSettings = Omit<TNotificationSettingsRow, 'userId'>;

/** The user's stored settings, or the defaults when they never changed any. */
export async function loadNotificationSettings(db: DbOrTx, userId: number): Promise<StoredSettings> {
  const [row] = await db.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)).limit(1);
  if (!row) return { ...defaultNotificationSettings };
  const { userId: _owner, ...settings } = row;
  return settings;
}

export async function getNotificationSettings(deps: Pick<AppDeps, 'db'>, userId: number): Promise<TNotificationSettings> {
  return toView(await loadNotificationSettings(deps.db, userId));
}

/**
 * Changes only the fields given; the first change stores a row (the defaults plus the change).
 * The user's other devices get `notification_settings.updated`.
 */
export async function updateNotificationSettings(
  deps: Pick<AppDeps, 'db' | 'realtime' | 'clock'>,
  userId: number,
  input: TUpdateNotificationSettingsInput,
): Promise<TNotificationSettings> {
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) throw new AppError('BAD_INPUT', 'Unknown time zone', { details: { field: 'timeZone' } });
  const changes: Partial<StoredSettings> = {};
  if (input.directLevel !== undefined) changes.directLevel = input.directLevel;
  if (input.groupLevel !== undefined) changes.groupLevel = input.groupLevel;
  if (input.roomLevel !== undefined) changes.roomLevel = input.roomLevel;
  if (input.timeZone !== undefined) changes.timeZone = canonicalTimeZone(input.timeZone);
  if (input.pushPrivacy !== undefined) changes.pushPrivacy = input.pushPrivacy;
  if (input.digestEnabled !== undefined) changes.digestEnabled = input.digestEnabled;
  if (input.doNotDisturb !== undefined) {
    changes.dndStartMinute = input.doNotDisturb ? toMinute(input.doNotDisturb.start) : null;
    changes.dndEndMinute = input.doNotDisturb ? toMinute(input.doNotDisturb.end) : null;
  }
  await upsertNotificationSettings(deps.db, userId, changes);
  const view = toView(await loadNotificationSettings(deps.db, userId));
  await deps.realtime.publishToUsers([userId], `notification_settings:${userId}:${deps.clock.now().getTime()}`, {
    type: 'notification_settings.updated',
    settings: view,
  });
  return view;
}

/** Insert-or-update in one statement, so two first changes racing both land. */
export async function upsertNotificationSettings(db: DbOrTx, userId: number, changes: Partial<StoredSettings>): Promise<void> {
  const { lastDigestAt: _digest, ...defaults } = defaultNotificationSettings;
  await db
    .insert(notificationSettings)
    .values({ ...defaults, ...changes, userId })
    .onDuplicateKeyUpdate({ set: Object.keys(changes).length > 0 ? changes : { userId } });
}

export function toView(settings: StoredSettings): TNotificationSettings {
  const { dndStartMinute: start, dndEndMinute: end } = settings;
  return {
    directLevel: settings.directLevel,
    groupLevel: settings.groupLevel,
    roomLevel: settings.roomLevel,
    doNotDisturb: start === null || end === null ? null : { start: toClock(start), end: toClock(end) },
    timeZone: settings.timeZone,
    pushPrivacy: settings.pushPrivacy,
    digestEnabled: settings.digestEnabled,
  };
}

/** Whether the runtime's zone database knows the name (what do-not-disturb will be computed with). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** `asia/shanghai` is accepted by Intl; store the spelling Intl reports, `Asia/Shanghai`. */
function canonicalTimeZone(name: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
}

const toMinute = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const toClock = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
