import type { AppDeps } from '../deps';
import type { CallPartyView, CallView } from '../realtime/events';

type EventDeps = Pick<AppDeps, 'realtime' | 'logger'>;

/**
 * Status changes are persisted user events: a device that reconnects mid-call (or after it)
 * replays them in order and never keeps ringing for a call that was answered or ended. Each
 * status is reached once per call, so `call:<id>:<status>` makes retries publish once.
 * Published after commit; a failure is logged, since the change itself is committed.
 */
export async function publishCallUpdated(deps: EventDeps, call: CallView): Promise<void> {
  try {
    await deps.realtime.publishToUsers([call.callerId, call.calleeId], `call:${call.id}:${call.status}`, { type: 'call.updated', call });
  } catch (error) {
    deps.logger.error({ err: error, callId: call.id }, 'calls: publishing an update failed');
  }
}

/** Rings every device of the callee. */
export async function publishIncoming(deps: EventDeps, call: CallView, caller: CallPartyView): Promise<void> {
  try {
    await deps.realtime.publishToUsers([call.calleeId], `call:${call.id}:incoming`, { type: 'call.incoming', call, caller });
  } catch (error) {
    deps.logger.error({ err: error, callId: call.id }, 'calls: publishing an incoming call failed');
  }
}
