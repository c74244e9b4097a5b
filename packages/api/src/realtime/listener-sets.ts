/**
 * Listeners grouped by what they listen to (a user, a room, an answer). `listen` adds one and
 * returns how to remove it; a key without listeners is dropped, so the map holds only what
 * someone here is listening to.
 */
export class ListenerSets<K, L> extends Map<K, Set<L>> {
  listen(key: K, listener: L): () => void {
    let set = this.get(key);
    if (!set) this.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.get(key) === set) this.delete(key);
    };
  }

  /** Every listener, of every key. */
  *everyListener(): Generator<L> {
    for (const set of this.values()) yield* set;
  }
}
