/**
 * A per-process cache of values kept for a short while (`ttlMs`), bounded to `maxEntries`: full,
 * the oldest entry goes first, so a busy process keeps its recent entries instead of starting over.
 * The clock is injected (tests, explicit time); a TTL of 0 keeps nothing.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /** How many entries are kept (expired ones included until read). */
  get size(): number {
    return this.entries.size;
  }

  /** The value kept for `key`; undefined when none is (or it is too old). */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Keeps `value` for `key` from now on. */
  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    // A Map iterates in insertion order: re-inserted, `key` is the newest; full, the oldest goes.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
  }
}
