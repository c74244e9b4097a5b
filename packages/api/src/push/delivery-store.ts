import { pushDevices, pushOutbox, sessions, type Db, type TPushDeviceRow, type TPushOutboxRow } from '@chorus/db';
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { sessionPolicy } from '../auth/session.service';

export interface ClaimedPush {
  row: TPushOutboxRow;
  device: TPushDeviceRow;
}

/**
 * Takes up to `limit` due pushes until `leaseUntil` (the mail outbox's scheme: SKIP LOCKED in
 * READ COMMITTED, so instances pass over each other's claims and never block an enqueue). Due
 * rows whose TTL ran out while they waited are dropped in the same transaction, unsent.
 * `scanned` counts every due row taken, dropped ones included: a full scan means more may be due.
 */
export async function claimDuePushes(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<{ pushes: ClaimedPush[]; scanned: number }> {
  let scanned = 0;
  const rows = await db.transaction(
    async (tx) => {
      const due = await tx
        .select()
        .from(pushOutbox)
        .where(and(eq(pushOutbox.status, 'pending'), lte(pushOutbox.nextAttemptAt, now), or(isNull(pushOutbox.lockedUntil), lt(pushOutbox.lockedUntil, now))))
        .orderBy(asc(pushOutbox.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      scanned = due.length;
      if (due.length === 0) return [];
      const expired = due.filter((row) => row.expiresAt.getTime() <= now.getTime()).map((row) => row.id);
      if (expired.length > 0) {
        await tx.update(pushOutbox).set({ status: 'dead', payload: null, lastError: 'expired', lockedUntil: null }).where(inArray(pushOutbox.id, expired));
      }
      const live = due.filter((row) => row.expiresAt.getTime() > now.getTime());
      if (live.length > 0) {
        await tx
          .update(pushOutbox)
          .set({ lockedUntil: leaseUntil })
          .where(
            inArray(
              pushOutbox.id,
              live.map((row) => row.id),
            ),
          );
      }
      return live;
    },
    { isolationLevel: 'read committed' },
  );
  if (rows.length === 0) return { pushes: [], scanned };
  // Outside the claim: a device deleted meanwhile took its rows with it (cascade), so a missing one is skipped.
  const devices = await db
    .select({ device: pushDevices, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt })
    .from(pushDevices)
    .innerJoin(sessions, eq(sessions.id, pushDevices.sessionId))
    .where(inArray(pushDevices.id, [...new Set(rows.map((row) => row.deviceId))]));
  // A session that ran out is deleted only when next presented; its devices must not wait for that.
  const ended = devices.filter(({ expiresAt, lastSeenAt }) => expiresAt <= now || now.getTime() - lastSeenAt.getTime() > sessionPolicy.inactivityTimeoutMs);
  if (ended.length > 0)
    await db.delete(pushDevices).where(
      inArray(
        pushDevices.id,
        ended.map(({ device }) => device.id),
      ),
    );
  const byId = new Map(devices.filter((entry) => !ended.includes(entry)).map(({ device }) => [device.id, device]));
  const pushes = rows.flatMap((row) => {
    const device = byId.get(row.deviceId);
    return device ? [{ row, device }] : [];
  });
  return { pushes, scanned };
}

/** The payload goes once sent or given up: it may hold message text. */
/** Records a pass's delivered pushes in one statement (each row's attempt counted). */
export async function markPushesSent(db: Db, ids: number[], sentAt: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(pushOutbox)
    .set({ status: 'sent', attempts: sql`${pushOutbox.attempts} + 1`, sentAt, payload: null, lockedUntil: null, lastError: null })
    .where(inArray(pushOutbox.id, ids));
}

export async function markPushFailed(db: Db, id: number, update: { attempts: number; lastError: string; nextAttemptAt: Date; dead: boolean }): Promise<void> {
  await db
    .update(pushOutbox)
    .set({
      attempts: update.attempts,
      lastError: update.lastError.slice(0, 1000),
      nextAttemptAt: update.nextAttemptAt,
      lockedUntil: null,
      ...(update.dead ? { status: 'dead' as const, payload: null } : {}),
    })
    .where(eq(pushOutbox.id, id));
}

/** The platform says the device is no more: it goes, and its queued pushes with it (cascade). */
export async function removeGoneDevice(db: Db, deviceId: number): Promise<void> {
  await db.delete(pushDevices).where(eq(pushDevices.id, deviceId));
}

/** Hands unsent claimed rows back at once (worker stopping, lease running out) instead of waiting for the lease. */
export async function releasePushes(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(pushOutbox)
    .set({ lockedUntil: null })
    .where(and(inArray(pushOutbox.id, ids), eq(pushOutbox.status, 'pending')));
}
