// The gapless test's people, conversations and receivers: a receiver is one device of a user
// holding an events.subscribe subscription that it resumes from its last event id, as an app does.
import type { ChorusClient, ChorusEvent } from '@chorus/client';
import { createTestClient } from '@chorus/testing';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));
export const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

export interface Person {
  index: number;
  id: number;
  token: string;
  /** Queries and mutations over HTTP through the proxy. */
  http: ChorusClient;
}

export interface Conversation {
  id: number;
  name: string;
  members: number[];
}

export interface Receiver {
  name: string;
  person: Person;
  client: ChorusClient;
  received: Array<{ id: string; data: ChorusEvent }>;
  /** Subscriptions, socket opens/closes and errors, with the number of events received by then. */
  timeline: Array<{ at: number; what: string }>;
  lastId: string | undefined;
  errors: string[];
  opens: number;
  stop(): void;
}

/** A device listening to `person`'s events through `url` (the WebSocket proxy). */
export function startReceiver(url: string, person: Person, name: string): Receiver {
  const receiver: Receiver = {
    name,
    person,
    client: undefined as unknown as ChorusClient,
    received: [],
    timeline: [],
    lastId: undefined,
    errors: [],
    opens: 0,
    stop: () => {},
  };
  const note = (what: string) => receiver.timeline.push({ at: receiver.received.length, what });
  receiver.client = createTestClient(url, {
    token: person.token,
    onSocketOpen: () => {
      receiver.opens++;
      note('socket open');
    },
    onSocketClose: (cause) => note(`socket closed ${cause?.code ?? ''}`),
  });
  let stopped = false;
  let current: { unsubscribe(): void } | null = null;
  // What an app does: the client resumes by itself after a reconnect; after a subscription
  // error (a server that could not reach Redis, say) subscribe again from the last event id.
  const subscribe = () => {
    if (stopped) return;
    let ended = false;
    const again = (why: string) => {
      if (ended) return;
      ended = true;
      note(why);
      if (!stopped) setTimeout(subscribe, random(100, 300));
    };
    note(`subscribe after ${receiver.lastId ?? 'nothing'}`);
    current = receiver.client.events.subscribe.subscribe(receiver.lastId ? { lastEventId: receiver.lastId } : undefined, {
      onData(envelope) {
        receiver.received.push({ id: envelope.id, data: envelope.data });
        receiver.lastId = envelope.id;
      },
      onError(error) {
        receiver.errors.push(String(error));
        again(`error: ${String(error)}`);
      },
      onComplete: () => again('completed'),
    });
  };
  subscribe();
  receiver.stop = () => {
    stopped = true;
    current?.unsubscribe();
  };
  return receiver;
}
