import { calls, type TCallOutcome, type TCallRow } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { DbOrTx } from '../kernel';
import { createNotifications, type NewNotification } from '../notifications/notification-store';
import { deliverNotifications } from '../notifications/notifications.service';
import type { CallView } from '../realtime/events';
import { toCallView } from './call-view';
import { publishCallUpdated } from './calls.events';

export type TransitionDeps = Pick<AppDeps, 'db' | 'clock' | 'realtime' | 'logger' | 'metrics'>;

type Change = { status: 'active'; answeredAt: Date } | { status: 'ended'; outcome: TCallOutcome; endedBy: number | null; endedAt: Date };

/**
 * Moves a call out of `from` with one conditional UPDATE. Instances, devices and the sweeper
 * may race on a call: the row lock makes exactly one of them match `status = from`, and only
 * that one publishes (and stores a notification, in the same transaction). Returns the new
 * view, or null when the call had already left `from`.
 */
export async function transition(
  deps: TransitionDeps,
  callId: number,
  from: 'ringing' | 'active',
  change: Change,
  notificationsFor?: (row: TCallRow) => NewNotification[],
): Promise<CallView | null> {
  const won = await deps.db.transaction(async (tx) => {
    const [result] = await tx
      .update(calls)
      .set(change)
      .where(and(eq(calls.id, callId), eq(calls.status, from)));
    if (result.affectedRows === 0) return null;
    // The UPDATE holds the row lock until commit: this reads exactly what it wrote.
    const [row] = await tx.select().from(calls).where(eq(calls.id, callId));
    if (!row) return null;
    const notes = notificationsFor ? await createNotifications(tx, change.status === 'ended' ? change.endedAt : change.answeredAt, notificationsFor(row)) : [];
    return { row, notes };
  });
  if (!won) return null;
  if (change.status === 'ended') deps.metrics.callEnded(change.outcome);
  const view = toCallView(won.row);
  await publishCallUpdated(deps, view);
  await deliverNotifications(deps, won.notes);
  return view;
}

/** Stores a call that ended the moment it started (the callee was busy). */
export async function insertEndedCall(tx: DbOrTx, values: Omit<TCallRow, 'id' | 'answeredAt' | 'status'>): Promise<TCallRow> {
  const [result] = await tx.insert(calls).values({ ...values, status: 'ended' });
  return { ...values, id: result.insertId, status: 'ended', answeredAt: null };
}

/** The callee's notice of a call they did not take: no answer in time, or already in a call. */
export function missedCallNotice(row: TCallRow): NewNotification {
  return { userId: row.calleeId, type: 'system', payload: { kind: 'missed_call', callId: row.id, from: row.callerId, media: row.media, reason: row.outcome } };
}
