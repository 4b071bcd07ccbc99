/** How long a process keeps a team's fitted FSRS weights before reading them again. */
export const WEIGHTS_TTL_MS = 60_000;
/** Entries kept at most (teams x decks); past it the oldest kept goes first. */
export const MAX_WEIGHTS_ENTRIES = 10_000;

/**
 * The FSRS weights a grade schedules with, per team and deck, kept for a short while: they change
 * only when the fit job adopts new ones (at most daily), yet every rating click in a server read
 * them, which put a second command and a pipeline on the click's first round trip. Kept, the read
 * is the `gradeRead` script alone, as in a DM. A fit adopted by any process reaches every process's
 * grades within the TTL; 0 keeps nothing. The clock is injected (tests, explicit time).
 */
export class WeightsCache {
  private readonly entries = new Map<string, { w: number[] | null; until: number }>();

  constructor(
    private readonly ttlMs = WEIGHTS_TTL_MS,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_WEIGHTS_ENTRIES,
  ) {}

  /** How many entries are kept (expired ones included until read). */
  get size(): number {
    return this.entries.size;
  }

  /** The weights kept for `key`; undefined when none are (or they are too old). */
  get(key: string): number[] | null | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e.w;
  }

  /** Keeps `w` (null: FSRS's defaults) for `key` from now on. */
  set(key: string, w: number[] | null): void {
    if (this.ttlMs <= 0) return;
    // A Map iterates in insertion order: re-inserted, `key` is the newest; full, the oldest goes.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { w, until: this.now() + this.ttlMs });
  }
}
