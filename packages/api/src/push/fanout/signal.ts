/**
 * Services call `wake()` after committing something that queued a push job; the fan-out
 * worker, started with the background jobs, listens so a push leaves at once instead of at
 * the next poll.
 */
export class PushFanoutSignal {
  private listener: () => void = () => {};

  wake(): void {
    this.listener();
  }

  onWake(listener: () => void): void {
    this.listener = listener;
  }
}
