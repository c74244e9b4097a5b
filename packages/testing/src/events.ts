import type { ChorusClient, ChorusEvent } from '@chorus/client';

export type ChorusEventData = ChorusEvent;

export interface EventCollector {
  /** Every event received, in order, with its id. */
  received: Array<{ id: string; data: ChorusEventData }>;
  /** Id of the last event received. */
  lastId(): string | undefined;
  /** Resolves with the first received event matching, waiting up to `timeoutMs`. */
  waitFor<T extends ChorusEventData>(predicate: (event: ChorusEventData) => event is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (event: ChorusEventData) => boolean, timeoutMs?: number): Promise<ChorusEventData>;
  errors: unknown[];
  stop(): void;
}

/** Subscribes to `events.subscribe` through the real client and records what arrives. */
export function collectEvents(client: ChorusClient, lastEventId?: string): EventCollector {
  const received: EventCollector['received'] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const subscription = client.events.subscribe.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData(envelope) {
      received.push({ id: envelope.id, data: envelope.data });
      for (const waiter of waiters) waiter();
    },
    onError(error) {
      errors.push(error);
      for (const waiter of waiters) waiter();
    },
  });
  function waitFor(predicate: (event: ChorusEventData) => boolean, timeoutMs = 5000): Promise<ChorusEventData> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = received.find((entry) => predicate(entry.data));
        if (!found) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found.data);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms; got ${received.map((entry) => entry.data.type).join(', ') || 'nothing'}${errors.length ? `; errors: ${String(errors[0])}` : ''}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  }
  return {
    received,
    errors,
    lastId: () => received.at(-1)?.id,
    waitFor: waitFor as EventCollector['waitFor'],
    stop: () => subscription.unsubscribe(),
  };
}
