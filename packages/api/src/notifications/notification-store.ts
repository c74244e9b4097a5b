// Storing notifications inside a caller's transaction. Apart from the service because the chat
// send queue, which is part of the dependency aggregate, stores them too.
import { notifications, type TNotificationType } from '@chorus/db';
import type { DbOrTx } from '../kernel';
import type { NotificationView } from '../realtime/events';
import { pushedNotificationTypes, queuePushJobs } from '../push/fanout/jobs';

export interface NewNotification {
  userId: number;
  type: TNotificationType;
  payload: Record<string, unknown>;
}

export interface StoredNotification {
  userId: number;
  view: NotificationView;
}

/** Stores notifications in the caller's transaction; deliver the result after commit. */
export async function createNotifications(tx: DbOrTx, now: Date, items: NewNotification[]): Promise<StoredNotification[]> {
  const stored: StoredNotification[] = [];
  for (const item of items) {
    const [result] = await tx.insert(notifications).values({ ...item, createdAt: now });
    stored.push({ userId: item.userId, view: { id: result.insertId, type: item.type, payload: item.payload, readAt: null, createdAt: now } });
  }
  // Pushed ones get their push job in the same transaction: it exists iff they do.
  const pushed = stored.filter((note) => pushedNotificationTypes.has(note.view.type)).map((note) => note.view.id);
  await queuePushJobs(tx, 'notification', pushed);
  return stored;
}
