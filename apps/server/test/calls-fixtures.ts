// Shared steps of the call tests (not a test file itself).
import type { CallView, ChorusEvent } from '@chorus/client';
import type { EventCollector, TestAccount } from '@chorus/testing';

type CallEvent = Extract<ChorusEvent, { type: 'call.incoming' | 'call.updated' | 'call.signal' }>;

/** `a` asks, `b` accepts: they are friends. */
export async function befriend(a: TestAccount, b: TestAccount): Promise<void> {
  const request = await a.client.friends.request.mutate({ userId: b.id });
  await b.client.friends.respond.mutate({ requestId: request.id, accept: true });
}

/** Waits for `call.updated` of a call reaching `status` (and `outcome`, if given). */
export function callUpdate(events: EventCollector, callId: number, status: CallView['status'], outcome?: CallView['outcome'], timeoutMs = 5000) {
  return events.waitFor(
    (event): event is Extract<ChorusEvent, { type: 'call.updated' }> =>
      event.type === 'call.updated' && event.call.id === callId && event.call.status === status && (outcome === undefined || event.call.outcome === outcome),
    timeoutMs,
  );
}

export function incomingCall(events: EventCollector, callId: number, timeoutMs = 5000) {
  return events.waitFor(
    (event): event is Extract<ChorusEvent, { type: 'call.incoming' }> => event.type === 'call.incoming' && event.call.id === callId,
    timeoutMs,
  );
}

/** Every call event a stream received (optionally of one call). */
export function callEvents(events: EventCollector, callId?: number): CallEvent[] {
  return events.received
    .map((entry) => entry.data)
    .filter(
      (event): event is CallEvent =>
        event.type.startsWith('call.') && (callId === undefined || ('call' in event ? event.call.id : (event as { callId: number }).callId) === callId),
    );
}

export { failureWithDetails } from '@chorus/testing';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
