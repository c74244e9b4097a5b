import type { AiStreamEvent, ChorusClient, ChorusEvent, RoomEvent } from '@chorus/client';

export type ChorusEventData = ChorusEvent;

export interface EventCollector<E extends { type: string } = ChorusEventData> {
  /** Every event received, in order, with its id. */
  received: Array<{ id: string; data: E }>;
  /** Id of the last event received. */
  lastId(): string | undefined;
  /** Resolves with the first received event matching, waiting up to `timeoutMs`. */
  waitFor<T extends E>(predicate: (event: E) => event is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (event: E) => boolean, timeoutMs?: number): Promise<E>;
  errors: unknown[];
  /** Resolves when the subscription ends (completes or fails). */
  ended: Promise<void>;
  stop(): void;
}

interface Subscribable<E> {
  subscribe(handlers: { onData(envelope: { id: string; data: E }): void; onError(error: unknown): void; onComplete(): void }): { unsubscribe(): void };
}

/** Subscribes to `events.subscribe` through the real client and records what arrives. */
export function collectEvents(client: ChorusClient, lastEventId?: string): EventCollector {
  return collect<ChorusEventData>({ subscribe: (handlers) => client.events.subscribe.subscribe(lastEventId ? { lastEventId } : undefined, handlers) });
}

/** Subscribes to `rooms.events` of a room and records what arrives. */
export function collectRoomEvents(client: ChorusClient, roomId: number, lastEventId?: string): EventCollector<RoomEvent> {
  return collect<RoomEvent>({ subscribe: (handlers) => client.rooms.events.subscribe({ roomId, lastEventId }, handlers) });
}

function collect<E extends { type: string }>(source: Subscribable<E>): EventCollector<E> {
  const received: EventCollector<E>['received'] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  const subscription = source.subscribe({
    onComplete() {
      end();
      for (const waiter of waiters) waiter();
    },
    onData(envelope) {
      received.push({ id: envelope.id, data: envelope.data });
      for (const waiter of waiters) waiter();
    },
    onError(error) {
      errors.push(error);
      end();
      for (const waiter of waiters) waiter();
    },
  });
  function waitFor(predicate: (event: E) => boolean, timeoutMs = 5000): Promise<E> {
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
        reject(
          new Error(
            `no matching event within ${timeoutMs} ms; got ${received.map((entry) => entry.data.type).join(', ') || 'nothing'}${errors.length ? `; errors: ${String(errors[0])}` : ''}`,
          ),
        );
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  }
  return {
    received,
    errors,
    lastId: () => received.at(-1)?.id,
    waitFor,
    ended,
    stop: () => subscription.unsubscribe(),
  };
}

/** Subscribes to `ai.chat.stream` of an answer and records what arrives. */
/** An answer's stream, by the answer's id or by the send (conversation and clientId) that starts it. */
export function collectAiStream(
  client: ChorusClient,
  answer: number | { conversationId: number; clientId: string },
  lastEventId?: string,
): EventCollector<AiStreamEvent> {
  const input = typeof answer === 'number' ? { assistantMessageId: answer, lastEventId } : { ...answer, lastEventId };
  return collect<AiStreamEvent>({ subscribe: (handlers) => client.ai.chat.stream.subscribe(input, handlers) });
}
