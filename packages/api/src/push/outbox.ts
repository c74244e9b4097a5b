import { pushDevices, pushOutbox, type TPushPayload } from '@chorus/db';
import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';
import type { PushDelivery } from './provider';

/** One user to be pushed: every device they registered gets the delivery. */
export interface PushIntent {
  userId: number;
  delivery: PushDelivery;
  /** Held until then (do-not-disturb); default: due now. */
  notBefore?: Date;
}

type OutboxValues = typeof pushOutbox.$inferInsert;

/**
 * Writes one `push_outbox` row per device of each user, inside the caller's transaction.
 * A row still waiting for the same device and collapse key (pending and not claimed by a
 * push worker) takes the new payload, badge, due time and expiry instead of a second row:
 * a burst in one conversation stays one delivery. Three statements whatever the number of
 * users: the devices, the collapsible rows (locked, so a push worker's SKIP LOCKED claim
 * passes over them until this commits), and one insert that updates those rows by id.
 * A user may come with several intents (one fan-out pass expands many jobs): each gets its
 * rows, and of two with the same collapse key in one call the later one stands.
 * Returns the number of rows written or taken over.
 */
export async function enqueuePushes(tx: DbOrTx, now: Date, intents: PushIntent[]): Promise<number> {
  if (intents.length === 0) return 0;
  const byUser = new Map<number, PushIntent[]>();
  for (const intent of intents) {
    const list = byUser.get(intent.userId);
    if (list) list.push(intent);
    else byUser.set(intent.userId, [intent]);
  }
  const devices = await tx
    .select({ id: pushDevices.id, userId: pushDevices.userId })
    .from(pushDevices)
    .where(inArray(pushDevices.userId, [...byUser.keys()]));
  if (devices.length === 0) return 0;

  const keys = [...new Set(intents.map((intent) => intent.delivery.collapseKey).filter((key): key is string => key !== null))];
  const open = new Map<string, number>();
  if (keys.length > 0) {
    const rows = await tx
      .select({ id: pushOutbox.id, deviceId: pushOutbox.deviceId, collapseKey: pushOutbox.collapseKey })
      .from(pushOutbox)
      .where(
        and(
          inArray(
            pushOutbox.deviceId,
            devices.map((device) => device.id),
          ),
          inArray(pushOutbox.collapseKey, keys),
          eq(pushOutbox.status, 'pending'),
          or(isNull(pushOutbox.lockedUntil), lt(pushOutbox.lockedUntil, now)),
          // An expired row is the push worker's to drop, not to revive.
          gt(pushOutbox.expiresAt, now),
        ),
      )
      .for('update', { skipLocked: true });
    for (const row of rows) open.set(`${row.deviceId}:${row.collapseKey}`, row.id);
  }

  const collapsed = new Map<string, OutboxValues>();
  const values: OutboxValues[] = [];
  for (const device of devices) {
    for (const { delivery, notBefore } of byUser.get(device.userId)!) {
      const nextAttemptAt = notBefore && notBefore.getTime() > now.getTime() ? notBefore : now;
      const slot = delivery.collapseKey === null ? null : `${device.id}:${delivery.collapseKey}`;
      const id = slot === null ? undefined : open.get(slot);
      const row: OutboxValues = {
        ...(id === undefined ? {} : { id }),
        deviceId: device.id,
        userId: device.userId,
        payload: delivery.payload satisfies TPushPayload,
        collapseKey: delivery.collapseKey,
        urgency: delivery.urgency,
        ttlSeconds: delivery.ttlSeconds,
        badge: delivery.badge,
        nextAttemptAt,
        expiresAt: new Date(nextAttemptAt.getTime() + delivery.ttlSeconds * 1000),
        createdAt: now,
      };
      if (slot === null) values.push(row);
      else collapsed.set(slot, row);
    }
  }
  values.push(...collapsed.values());
  // Rows given an id collide with the waiting row and update it; the others are new.
  await tx
    .insert(pushOutbox)
    .values(values)
    .onDuplicateKeyUpdate({
      set: {
        payload: sql`values(${sql.identifier('payload')})`,
        urgency: sql`values(${sql.identifier('urgency')})`,
        ttlSeconds: sql`values(${sql.identifier('ttl_seconds')})`,
        badge: sql`values(${sql.identifier('badge')})`,
        // A row that already failed keeps its backoff (a platform's Retry-After is a floor).
        nextAttemptAt: sql`if(${sql.identifier('attempts')} > 0, greatest(${sql.identifier('next_attempt_at')}, values(${sql.identifier('next_attempt_at')})), values(${sql.identifier('next_attempt_at')}))`,
        expiresAt: sql`values(${sql.identifier('expires_at')})`,
      },
    });
  return values.length;
}
