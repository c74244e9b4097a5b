import { calls, type TCallRow } from '@chorus/db';
import { and, inArray, or } from 'drizzle-orm';
import { consumeOrThrow } from '../auth/rate-limits';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { isBlockedBetween } from '../friends/blocks';
import { lockPair } from '../friends/pair';
import { createNotifications } from '../notifications/notification-store';
import { deliverNotifications } from '../notifications/notifications.service';
import type { CallView } from '../realtime/events';
import { insertEndedCall, missedCallNotice } from './call-transitions';
import { toCallView } from './call-view';
import { publishIncoming } from './calls.events';
import { queuePushJobs } from '../push/fanout/jobs';
import type { TStartCallInput } from './calls.schema';
import { assertMayCall } from './permissions';

type StartDeps = Pick<AppDeps, 'db' | 'clock' | 'realtime' | 'logger' | 'calls' | 'limiters' | 'metrics'> & Partial<Pick<AppDeps, 'pushFanout'>>;

/**
 * Rings the callee on every device. A user is in at most one live (ringing or active) call:
 * every call start locks both users' rows (lower id first, as friends writes do), so two
 * starts touching the same user run one after the other and the second sees the first's call,
 * and a start and a block of the same pair do too (the block then ends the call).
 *
 * - The caller already in a call gets CALL_STATE (with that call's id) and nothing is stored.
 * - A callee already in a call makes this call `busy`: it is stored as ended (so it shows in
 *   both histories), the callee gets a missed-call notification, and the caller gets
 *   CALLEE_BUSY with `details.callId`.
 */
export async function startCall(deps: StartDeps, callerId: number, input: TStartCallInput): Promise<{ callId: number; call: CallView }> {
  await consumeOrThrow(deps.limiters.callStartsPerUser, String(callerId));
  // Outside the transaction: it also proves the callee exists, so the pair lock takes records only.
  await assertMayCall(deps, callerId, input.calleeId);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx) => {
    const users = await lockPair(tx, callerId, input.calleeId);
    const caller = users.get(callerId);
    const callee = users.get(input.calleeId);
    if (!caller || !callee || callee.bannedAt) throw new AppError('CALL_NOT_ALLOWED', 'You cannot call this user');
    // Again under the lock friends.block takes too: a block committed since assertMayCall wins,
    // and a block still to come waits for this call, then ends it (endCallsBetween).
    if (await isBlockedBetween(tx, callerId, input.calleeId)) throw new AppError('CALL_NOT_ALLOWED', 'You cannot call this user');
    const pair = [callerId, input.calleeId];
    const live = await tx
      .select()
      .from(calls)
      .where(and(inArray(calls.status, ['ringing', 'active']), or(inArray(calls.callerId, pair), inArray(calls.calleeId, pair))))
      .limit(4);
    const own = live.find((row) => row.callerId === callerId || row.calleeId === callerId);
    if (own) throw new AppError('CALL_STATE', 'You are already in a call', { details: { callId: own.id, status: own.status } });
    const party = { id: caller.id, username: caller.username, displayName: caller.displayName, avatarUrl: caller.avatarUrl };
    if (live.length > 0) {
      const row = await insertEndedCall(tx, {
        callerId,
        calleeId: input.calleeId,
        media: input.media,
        outcome: 'busy',
        endedBy: null,
        createdAt: now,
        endedAt: now,
      });
      return { kind: 'busy' as const, row, notes: await createNotifications(tx, now, [missedCallNotice(row)]), party };
    }
    const [result] = await tx.insert(calls).values({ callerId, calleeId: input.calleeId, media: input.media, status: 'ringing', createdAt: now });
    const row: TCallRow = {
      id: result.insertId,
      callerId,
      calleeId: input.calleeId,
      media: input.media,
      status: 'ringing',
      outcome: null,
      endedBy: null,
      createdAt: now,
      answeredAt: null,
      endedAt: null,
    };
    // The callee's push, if they are away, is decided after the commit from this job.
    await queuePushJobs(tx, 'call', [row.id]);
    return { kind: 'ringing' as const, row, notes: [], party };
  });
  const call = toCallView(outcome.row);
  if (outcome.kind === 'busy') {
    deps.metrics.callEnded('busy');
    await deliverNotifications(deps, outcome.notes);
    throw new AppError('CALLEE_BUSY', 'The user is in another call', { details: { callId: call.id } });
  }
  deps.pushFanout?.wake();
  await publishIncoming(deps, call, outcome.party);
  return { callId: call.id, call };
}
