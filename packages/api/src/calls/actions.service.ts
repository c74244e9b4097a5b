import type { TCallRow } from '@chorus/db';
import { AppError } from '../errors';
import type { CallView } from '../realtime/events';
import { transition, type TransitionDeps } from './call-transitions';
import { requireOwnCall, wrongState } from './call-view';

const onlyCallee = () => new AppError('FORBIDDEN', 'Only the callee can answer or reject a call');
const onlyCaller = () => new AppError('FORBIDDEN', 'Only the caller can cancel a call');

/**
 * Runs one transition of the user's call; when another instance or device changed the call
 * first (the conditional update matched nothing), the loser gets CALL_STATE with the state
 * that won.
 */
async function act(deps: TransitionDeps, userId: number, callId: number, attempt: (row: TCallRow) => Promise<CallView | null>): Promise<CallView> {
  const row = await requireOwnCall(deps.db, callId, userId);
  const view = await attempt(row);
  if (view) return view;
  throw wrongState(await requireOwnCall(deps.db, callId, userId));
}

/** The callee answers, from any device; the caller and the callee's other devices get `call.updated` (active). */
export function acceptCall(deps: TransitionDeps, userId: number, callId: number): Promise<CallView> {
  return act(deps, userId, callId, async (row) => {
    if (row.calleeId !== userId) throw onlyCallee();
    if (row.status !== 'ringing') throw wrongState(row);
    return transition(deps, callId, 'ringing', { status: 'active', answeredAt: deps.clock.now() });
  });
}

export function rejectCall(deps: TransitionDeps, userId: number, callId: number): Promise<CallView> {
  return act(deps, userId, callId, async (row) => {
    if (row.calleeId !== userId) throw onlyCallee();
    if (row.status !== 'ringing') throw wrongState(row);
    return transition(deps, callId, 'ringing', { status: 'ended', outcome: 'rejected', endedBy: userId, endedAt: deps.clock.now() });
  });
}

export function cancelCall(deps: TransitionDeps, userId: number, callId: number): Promise<CallView> {
  return act(deps, userId, callId, async (row) => {
    if (row.callerId !== userId) throw onlyCaller();
    if (row.status !== 'ringing') throw wrongState(row);
    return transition(deps, callId, 'ringing', { status: 'ended', outcome: 'cancelled', endedBy: userId, endedAt: deps.clock.now() });
  });
}

/**
 * Ends the call whatever its state, for a client's one red button: an active call ends
 * `completed`; a ringing one is cancelled (by the caller) or rejected (by the callee). If it
 * was answered meanwhile, the hangup then ends the active call. An ended call: CALL_STATE.
 */
export function hangupCall(deps: TransitionDeps, userId: number, callId: number): Promise<CallView> {
  return act(deps, userId, callId, async (row) => {
    if (row.status === 'ended') throw wrongState(row);
    return endAsParty(deps, row, userId);
  });
}

/**
 * Ends a live call as its party `userId` hanging up would (see hangupCall), through the same
 * conditional updates. Null when the call had already ended (another device, the other party
 * or the sweeper won).
 */
export async function endAsParty(deps: TransitionDeps, row: TCallRow, userId: number): Promise<CallView | null> {
  if (row.status === 'ended') return null;
  if (row.status === 'ringing') {
    const outcome = row.callerId === userId ? 'cancelled' : 'rejected';
    const ended = await transition(deps, row.id, 'ringing', { status: 'ended', outcome, endedBy: userId, endedAt: deps.clock.now() });
    if (ended) return ended;
  }
  // Active, or answered since it was read as ringing.
  return transition(deps, row.id, 'active', { status: 'ended', outcome: 'completed', endedBy: userId, endedAt: deps.clock.now() });
}
