/**
 * Services call `wake()` after committing queued mail; the mail worker, started after the
 * deps it needs, subscribes with `onWake` so mail leaves without waiting for its next poll.
 */
export class MailSignal {
  private listener: () => void = () => {};

  wake(): void {
    this.listener();
  }

  onWake(listener: () => void): void {
    this.listener = listener;
  }
}
