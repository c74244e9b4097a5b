import { calls } from '@chorus/db';
import { and, eq, inArray, or } from 'drizzle-orm';
import type { CallView } from '../realtime/events';
import { endAsParty } from './actions.service';
import type { TransitionDeps } from './call-transitions';

/**
 * Why calls end outside the call flow. Only logged: the `calls` table has no reason column,
 * and the parties see the outcome a hangup by `by` would give (see endCallsBetween).
 */
export type CallEndReason = 'blocked';

/**
 * Ends every live (ringing or active) call between `by` and `other` at once, as if `by` had
 * hung up: an active call ends `completed`, a ringing one `cancelled` (`by` called) or
 * `rejected` (`by` was called), `endedBy` = `by`. Each end is the usual conditional update,
 * so it races hangups, accepts and the sweeper like any transition (one winner, which alone
 * publishes the persisted `call.updated` to both parties' devices). Signals for those calls
 * are then refused as for any ended call.
 *
 * Nothing tells the other party why: a block, the one reason today, must not show, so the
 * outcome is the one a hangup gives. Call it after the change that forbids the call has
 * committed: startCall re-checks blocks under the pair lock, so no call can start between
 * that commit and this read. Calling it again is a no-op.
 */
export async function endCallsBetween(deps: TransitionDeps, by: number, other: number, reason: CallEndReason): Promise<CallView[]> {
  const live = await deps.db
    .select()
    .from(calls)
    .where(
      and(
        inArray(calls.status, ['ringing', 'active']),
        or(and(eq(calls.callerId, by), eq(calls.calleeId, other)), and(eq(calls.callerId, other), eq(calls.calleeId, by))),
      ),
    );
  const ended: CallView[] = [];
  for (const row of live) {
    const view = await endAsParty(deps, row, by);
    if (!view) continue;
    deps.logger.info({ callId: row.id, by, other, reason, outcome: view.outcome }, 'calls: ended a call between two users');
    ended.push(view);
  }
  return ended;
}
