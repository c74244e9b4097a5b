// Storing notifications inside a caller's transaction. Apart from the service because the chat
// send queue, which is part of the dependency aggregate, stores them too.
import { notifications, type TNotificationType } from '@chorus/db';
import type { DbOrTx } from '../kernel';
import type { NotificationView } from '../realtime/events';

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
  return stored;
}
