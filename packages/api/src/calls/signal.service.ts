import { consumeOrThrow } from '../auth/rate-limits';
import type { AppDeps } from '../deps';
import type { CallSignal } from '../realtime/events';
import { otherParty, requireOwnCall, wrongState } from './call-view';
import type { TSignalInput } from './calls.schema';

/**
 * Relays SDP and ICE candidates to the other party of a ringing or active call, and to no one
 * else (a stranger gets NOT_FOUND, an ended call CALL_STATE).
 *
 * Signals travel as live-only (ephemeral) events, not as persisted user events:
 * - They are worth nothing after the negotiation they belong to, yet a persisted event is kept
 *   for the whole replay window (48 h by default): tens of KB of SDP per call in Redis.
 * - Replaying them is even harmful: a client that reconnects after a call would be handed
 *   stale offers and candidates.
 * - The loss case is covered by the call flow: the caller sends its offer only after the
 *   `call.updated` (active) that the accepting device caused, and that device accepts from
 *   a live event stream. A client whose stream drops mid-call renegotiates (a new offer, with
 *   an ICE restart) once it is back, as WebRTC clients do after a network change.
 * Delivery order is publish order, so a client that sends its signals one after another
 * (offer before its candidates) has them arrive in that order.
 */
export async function relaySignal(deps: Pick<AppDeps, 'db' | 'realtime' | 'limiters'>, userId: number, input: TSignalInput): Promise<{ ok: true }> {
  await consumeOrThrow(deps.limiters.callSignalsPerUser, String(userId));
  const row = await requireOwnCall(deps.db, input.callId, userId);
  if (row.status === 'ended') throw wrongState(row);
  const signal = { kind: input.kind, payload: input.payload } as CallSignal;
  await deps.realtime.publishEphemeral([otherParty(row, userId)], { type: 'call.signal', callId: row.id, from: userId, ...signal });
  return { ok: true };
}
