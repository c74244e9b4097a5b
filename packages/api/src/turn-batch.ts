/**
 * Requests made during one event-loop turn, answered together by one call at its end
 * (`setImmediate`). When many sockets are handled in one turn (the clients of a dead instance
 * reconnecting at once), their session reads and writes become one statement each instead of
 * one per socket; a quiet server sees batches of one, which `run` may answer the ordinary way.
 * A failed call fails every request of its batch, as each request's own statement would have.
 */
export class TurnBatch<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly run: (items: T[]) => Promise<R[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    // An async start: a synchronous throw of `run` becomes the batch's rejection too.
    const answer = Promise.resolve().then(() => this.run(batch.map((request) => request.item)));
    answer.then(
      (results) => batch.forEach((request, index) => request.resolve(results[index]!)),
      (error: unknown) => batch.forEach((request) => request.reject(error)),
    );
  }
}
