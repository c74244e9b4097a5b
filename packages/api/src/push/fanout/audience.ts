// What every kind of push asks about its recipients, each in one query for all of them.
import { conversationMembers, messages, notificationSettings, users, type TNotificationSettingsRow } from '@chorus/db';
import { and, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { defaultNotificationSettings } from '../../notifications/levels';

export type Settings = Omit<TNotificationSettingsRow, 'userId'>;

/** Each user's notification settings (the defaults for users without a row). */
export async function settingsOf(db: DbOrTx, userIds: number[]): Promise<Map<number, Settings>> {
  const found = new Map<number, Settings>(userIds.map((userId) => [userId, defaultNotificationSettings]));
  if (userIds.length === 0) return found;
  const rows = await db.select().from(notificationSettings).where(inArray(notificationSettings.userId, userIds));
  for (const { userId, ...settings } of rows) found.set(userId, settings);
  return found;
}

export interface UserFacts {
  name: string;
  locale: string;
}

/** Display names (for titles) and locales (for the fixed words); banned users are left out. */
export async function usersOf(db: DbOrTx, userIds: number[]): Promise<Map<number, UserFacts>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, displayName: users.displayName, username: users.username, locale: users.locale })
    .from(users)
    .where(and(inArray(users.id, userIds), isNull(users.bannedAt)));
  return new Map(rows.map((row) => [row.id, { name: row.displayName || row.username, locale: row.locale }]));
}

/**
 * Those not connected: presence says offline, or away (every client of theirs reported its
 * window hidden or idle through `presence.set`). Someone with a visible client sees the event
 * live and gets no push. Presence lives in Redis, so a connection to any instance counts.
 */
export async function notConnected(deps: Pick<AppDeps, 'realtime'>, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const views = await deps.realtime.presence.statusOf(userIds);
  return views.filter((view) => view.status !== 'online').map((view) => view.userId);
}

/** A badge shows at most this; past it the app shows "99+". */
export const BADGE_CAP = 99;

/**
 * Each user's unread messages over their conversations that are not muted (thread replies
 * and their own messages aside, as `chat.list` counts), in one grouped query that walks the
 * (conversation_id, id) index from each member's read mark. Capped at BADGE_CAP.
 */
export async function badgesOf(db: DbOrTx, userIds: number[], now: Date): Promise<Map<number, number>> {
  const badges = new Map<number, number>(userIds.map((userId) => [userId, 0]));
  if (userIds.length === 0) return badges;
  const rows = await db
    .select({ userId: conversationMembers.userId, unread: sql<number>`count(*)` })
    .from(conversationMembers)
    .innerJoin(
      messages,
      and(
        eq(messages.conversationId, conversationMembers.conversationId),
        gt(messages.id, conversationMembers.lastReadMessageId),
        ne(messages.senderId, conversationMembers.userId),
        isNull(messages.deletedAt),
        isNull(messages.threadRootId),
        ne(messages.kind, 'system'),
      ),
    )
    .where(and(inArray(conversationMembers.userId, userIds), or(isNull(conversationMembers.mutedUntil), lte(conversationMembers.mutedUntil, now))))
    .groupBy(conversationMembers.userId);
  for (const row of rows) badges.set(row.userId, Math.min(BADGE_CAP, Number(row.unread)));
  return badges;
}
