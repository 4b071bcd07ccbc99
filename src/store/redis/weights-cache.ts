import { TtlCache } from '../../engine/ttl-cache.js';

/** How long a process keeps a team's fitted FSRS weights before reading them again. */
export const WEIGHTS_TTL_MS = 60_000;
/** Entries kept at most (teams x decks); past it the oldest kept goes first. */
export const MAX_WEIGHTS_ENTRIES = 10_000;

/**
 * The FSRS weights a grade schedules with (null: FSRS's defaults), per team and deck, kept for a
 * short while: they change only when the fit job adopts new ones (at most daily), yet every rating
 * click in a server read them, which put a second command and a pipeline on the click's first round
 * trip. Kept, the read is the `gradeRead` script alone, as in a DM. A fit adopted by any process
 * reaches every process's grades within the TTL.
 */
export class WeightsCache extends TtlCache<number[] | null> {
  constructor(ttlMs = WEIGHTS_TTL_MS, now: () => number = Date.now, maxEntries = MAX_WEIGHTS_ENTRIES) {
    super(ttlMs, now, maxEntries);
  }
}
