import { useSyncExternalStore } from 'react';

export type ConnectionState = 'idle' | 'open' | 'reconnecting';

/** The WebSocket's state as the client reports it, for the "reconnecting" banner. */
function createConnectionStore() {
  let state: ConnectionState = 'idle';
  const listeners = new Set<() => void>();
  const set = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener();
  };
  return {
    opened: () => set('open'),
    /** A close after an open is a drop the client recovers from by itself (backoff, resume). */
    closed: () => set(state === 'idle' ? 'idle' : 'reconnecting'),
    /** Signed out on purpose: no banner. */
    reset: () => set('idle'),
    get: () => state,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const connection = createConnectionStore();

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}
