import { notifications, type TNotificationRow } from '@chorus/db';
import { and, count, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { NotificationView } from '../realtime/events';
import { pushedNotificationTypes } from '../push/fanout/jobs';
import type { StoredNotification } from './notification-store';
import type { TListNotificationsInput, TMarkNotificationsReadInput } from './notifications.schema';

/** Live delivery to whoever is online; the stored row serves whoever is not. Never throws. */
export async function deliverNotifications(
  deps: Pick<AppDeps, 'realtime' | 'logger'> & Partial<Pick<AppDeps, 'pushFanout'>>,
  stored: StoredNotification[],
): Promise<void> {
  // Pushed notifications queued a push job with them (see createNotifications).
  if (stored.some((note) => pushedNotificationTypes.has(note.view.type))) deps.pushFanout?.wake();
  for (const { userId, view } of stored) {
    try {
      await deps.realtime.publishToUsers([userId], `notification:${view.id}`, { type: 'notification', notification: view });
    } catch (error) {
      deps.logger.warn({ err: error, notificationId: view.id }, 'could not deliver notification live');
    }
  }
}

export async function listNotifications(deps: Pick<AppDeps, 'db'>, userId: number, input: TListNotificationsInput) {
  const conditions = [eq(notifications.userId, userId)];
  if (input.unreadOnly) conditions.push(isNull(notifications.readAt));
  if (input.cursor) conditions.push(lt(notifications.id, input.cursor));
  const rows = await deps.db
    .select()
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page.map(toView), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function unreadCount(deps: Pick<AppDeps, 'db'>, userId: number): Promise<{ count: number }> {
  const [row] = await deps.db
    .select({ count: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return { count: row?.count ?? 0 };
}

/** Marks the caller's own notifications read; ids of others' are ignored. */
export async function markNotificationsRead(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  userId: number,
  input: TMarkNotificationsReadInput,
): Promise<{ updated: number }> {
  const mine = and(eq(notifications.userId, userId), isNull(notifications.readAt));
  const where = 'ids' in input ? and(mine, inArray(notifications.id, input.ids)) : mine;
  const [result] = await deps.db.update(notifications).set({ readAt: deps.clock.now() }).where(where);
  return { updated: result.affectedRows };
}

export async function deleteNotification(deps: Pick<AppDeps, 'db'>, userId: number, id: number): Promise<{ ok: true }> {
  const [result] = await deps.db.delete(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'No such notification');
  return { ok: true };
}

export async function clearNotifications(deps: Pick<AppDeps, 'db'>, userId: number): Promise<{ deleted: number }> {
  const [result] = await deps.db.delete(notifications).where(eq(notifications.userId, userId));
  return { deleted: result.affectedRows };
}

function toView(row: TNotificationRow): NotificationView {
  return { id: row.id, type: row.type, payload: row.payload, readAt: row.readAt, createdAt: row.createdAt };
}
