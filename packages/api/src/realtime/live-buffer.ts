/** Live events buffered per subscriber; past this it reads its log instead. */
const MAX_BUFFERED = 1000;

/** `wake` while no stream waits: one function for every buffer. */
function asleep(): void {}

/** Takes what arrives while the stream sleeps with nothing held; false hands it to the stream. */
export interface DirectDelivery<Delivery, Ephemeral> {
  live(delivery: Delivery): boolean;
  ephemeral(event: Ephemeral): boolean;
}

/**
 * What a hub hands one subscriber, held until the subscriber's stream takes it: logged
 * deliveries in arrival order, ephemeral events, and whether something may have been missed
 * (a lost pub/sub message, a reconnect, an overflow), in which case the stream reads its log.
 * It is the listener the event and room hubs call; `position` reports where the stream is.
 */
export class LiveBuffer<Delivery, Ephemeral, Position> {
  readonly live: Delivery[] = [];
  readonly ephemeral: Ephemeral[] = [];
  /** Set when the log must be read before trusting live deliveries again. */
  mustRead = false;
  /** See DirectFrames: used only while the stream waits in `arrival` with nothing held. */
  direct: DirectDelivery<Delivery, Ephemeral> | null = null;
  private waiting = false;
  private wake: () => void = asleep;

  constructor(readonly position: () => Position) {}

  onDelivery(delivery: Delivery): void {
    if (this.idle() && this.direct!.live(delivery)) return;
    if (this.live.length >= MAX_BUFFERED) {
      this.live.length = 0;
      this.mustRead = true;
    } else {
      this.live.push(delivery);
    }
    this.wake();
  }

  onEphemeral(event: Ephemeral): void {
    if (this.idle() && this.direct!.ephemeral(event)) return;
    if (this.ephemeral.length < MAX_BUFFERED) this.ephemeral.push(event);
    this.wake();
  }

  onMaybeMissed(): void {
    this.mustRead = true;
    this.wake();
  }

  /** Wakes a stream waiting in `arrival` (its subscription was aborted). */
  interrupt(): void {
    this.wake();
  }

  /** As the subscription signal's abort listener: `interrupt` (an object, not a closure per stream). */
  handleEvent(): void {
    this.interrupt();
  }

  /** Resolves when something arrives or `interrupt` is called; at once if `signal` has aborted. */
  arrival(signal: AbortSignal | undefined): Promise<void> {
    // One promise, not an async function around it: every idle stream waits here.
    return new Promise<void>((resolve) => {
      this.waiting = true;
      this.wake = () => {
        // From here the stream has items to take in order: nothing may pass it directly.
        this.waiting = false;
        this.wake = asleep;
        resolve();
      };
      if (signal?.aborted) this.wake();
    });
  }

  /** The stream sleeps with nothing held, so an item written directly cannot overtake one. */
  private idle(): boolean {
    return this.direct !== null && this.waiting && !this.mustRead && this.live.length === 0 && this.ephemeral.length === 0;
  }
}
