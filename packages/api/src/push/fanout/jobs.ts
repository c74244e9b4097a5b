// Push jobs: the durable "someone may need a push about this" written with its cause.
import { pushJobs, sqlText, type Db, type TMessageRow, type TNotificationType, type TPushJobKind, type TPushJobRow } from '@chorus/db';
import { asc, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../kernel';

/** Notifications that are pushed; mentions come with their message's job, the rest only live. */
export const pushedNotificationTypes: ReadonlySet<TNotificationType> = new Set(['room_invite', 'friend_request']);

/**
 * The send queue's extra statement for a batch of stored messages: one insert of their jobs,
 * run in the batch's transaction before its commit (no extra round trip). System messages
 * (joins, renames) are not pushed.
 */
export function messageJobSql(rows: readonly TMessageRow[]): string[] {
  const ids = rows.filter((row) => row.kind !== 'system').map((row) => row.id);
  return ids.length === 0 ? [] : [sqlText('insert into push_jobs (kind, ref_id) values ?', [ids.map((id) => ['message', id])])];
}

/** Queues a job in the caller's transaction (a call, a notification). */
export async function queuePushJobs(tx: DbOrTx, kind: TPushJobKind, refIds: number[]): Promise<void> {
  if (refIds.length > 0) await tx.insert(pushJobs).values(refIds.map((refId) => ({ kind, refId })));
}

/**
 * Takes up to `limit` jobs until `leaseUntil` (oldest first): SKIP LOCKED lets every instance
 * claim at once without waiting on each other, the lease keeps others off while this one
 * works outside the claim's transaction, and a crashed instance's jobs come back when it ends.
 */
export async function claimPushJobs(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<TPushJobRow[]> {
  return db.transaction(
    async (tx) => {
      const rows = await tx
        .select()
        .from(pushJobs)
        .where(or(isNull(pushJobs.lockedUntil), lt(pushJobs.lockedUntil, now)))
        .orderBy(asc(pushJobs.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return [];
      await tx
        .update(pushJobs)
        .set({ lockedUntil: leaseUntil, attempts: sql`${pushJobs.attempts} + 1` })
        .where(
          inArray(
            pushJobs.id,
            rows.map((row) => row.id),
          ),
        );
      return rows.map((row) => ({ ...row, lockedUntil: leaseUntil, attempts: row.attempts + 1 }));
    },
    { isolationLevel: 'read committed' },
  );
}

/** Deletes finished jobs (inside the transaction that wrote their pushes). */
export async function deletePushJobs(tx: DbOrTx, ids: number[]): Promise<void> {
  if (ids.length > 0) await tx.delete(pushJobs).where(inArray(pushJobs.id, ids));
}

/** Hands claimed jobs back at once (stopping, or a pass that failed) instead of waiting for the lease. */
export async function releasePushJobs(db: DbOrTx, ids: number[]): Promise<void> {
  if (ids.length > 0) await db.update(pushJobs).set({ lockedUntil: null }).where(inArray(pushJobs.id, ids));
}
