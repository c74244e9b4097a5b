/** A background worker's loop: one pass after another, a nap of `pollMs` when there was nothing more to do. */
export interface PollLoop {
  /** Ends the loop after the pass in progress; resolves once it has. */
  stop(): Promise<void>;
  /** Runs the next pass now (or right after the one in progress) instead of after the nap. */
  wake(): void;
}

/**
 * Runs `pass` until stopped. A pass that resolves `true` (it took a full batch, so more may be
 * due) or a wake during it is followed by another at once; otherwise the loop sleeps `pollMs`
 * or until woken. A pass that throws is reported to `onError` and the loop carries on: the
 * work stays queued.
 * The mail, push and push fan-out workers share it.
 */
export function startPollLoop(pass: () => Promise<boolean>, options: { pollMs: number; onError(error: unknown): void }): PollLoop {
  let stopping = false;
  let woken = false;
  let interruptSleep: (() => void) | null = null;

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      let full = false;
      try {
        full = await pass();
      } catch (error) {
        options.onError(error);
      }
      if (stopping) break;
      if (full || woken) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          interruptSleep = null;
          resolve();
        };
        const timer = setTimeout(done, options.pollMs);
        // A worker alone must not keep a script or test process alive.
        timer.unref();
        interruptSleep = done;
      });
    }
  })();

  return {
    async stop() {
      stopping = true;
      interruptSleep?.();
      await loop;
    },
    wake() {
      woken = true;
      interruptSleep?.();
    },
  };
}
