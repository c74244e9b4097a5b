import type { EndListener, EndSignal } from '@chorus/transport';

/**
 * Aborts when a session is revoked: what a WebSocket connection (and every subscription on it)
 * watches its session with. It behaves as an AbortSignal does for listener objects (each
 * listener once, a listener added twice counted once, none called after the abort) without
 * an EventTarget: an AbortController and its signal cost about 700 bytes, and every idle
 * connection holds one for as long as it is open.
 */
export class SessionEndSignal implements EndSignal {
  aborted = false;
  private listeners: EndListener[] | null = null;

  addEventListener(_type: 'abort', listener: EndListener): void {
    if (this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: EndListener): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.listeners!.splice(index, 1);
  }

  /** Ends it: every listener is called once, in the order added; one that throws does not stop the others. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners ?? [];
    this.listeners = null;
    for (const listener of listeners) {
      try {
        listener.handleEvent();
      } catch (error) {
        // As EventTarget does: the failure is the process's, not the other listeners'.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
