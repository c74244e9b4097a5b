/**
 * Sessions this instance validated recently, so an HTTP call does not read its session from
 * the database every time. An entry holds the session's secret hash (every call still proves
 * the secret), what the call needs to know of the user, and when it was read.
 *
 * It is only trusted while the instance hears every invalidation: a session revoked or a user
 * changed on any instance is published (see SessionRevocations) and forgotten here. While that
 * subscription is down the cache is off and empty, and an entry is never older than `ttlMs`,
 * which bounds what a lost message could leave behind.
 */
export interface CachedSession<S> {
  secretHash: string;
  session: S;
  userId: number;
  /** When it was read from the database (epoch ms). */
  readAt: number;
}

export class SessionCache<S> {
  private readonly entries = new Map<string, CachedSession<S>>();
  private live = false;
  /** Counts invalidations: a read that began before one must not be cached. */
  private invalidations = 0;

  constructor(private readonly options: { ttlMs: number; maxEntries: number }) {}

  /** A fresh entry, or undefined (then the database decides). */
  get(sessionId: string, now: number): CachedSession<S> | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (now - entry.readAt >= this.options.ttlMs || now < entry.readAt) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  /** Taken before reading a session from the database; `set` needs it. */
  readStarted(): number {
    return this.invalidations;
  }

  /** Caches what a read found, unless something was invalidated since the read began. */
  set(sessionId: string, entry: CachedSession<S>, readStarted: number): void {
    if (!this.live || readStarted !== this.invalidations) return;
    this.entries.delete(sessionId);
    // Oldest first in a Map: past the limit, drop the oldest reads.
    while (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sessionId, entry);
  }

  forgetSessions(sessionIds: readonly string[]): void {
    this.invalidations++;
    for (const id of sessionIds) this.entries.delete(id);
  }

  forgetUser(userId: number): void {
    this.invalidations++;
    for (const [id, entry] of this.entries) if (entry.userId === userId) this.entries.delete(id);
  }

  /**
   * Invalidations can be heard (true) or may be missed (false). Going off empties the cache; a
   * read that began before either change is not cached.
   */
  setLive(live: boolean): void {
    this.invalidations++;
    this.live = live;
    if (!live) this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
