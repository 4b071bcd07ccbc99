import type { TeamReview } from './log.js';

/** One review of a card history as FSRS fitting takes it. */
export interface ItemReview {
  /** 1-4. */
  rating: number;
  /** Whole days since the previous review (UTC day boundaries); 0 for the first. */
  deltaT: number;
}

/** A card's history up to one review: the unit fsrs-rs trains and evaluates on. */
export type Item = ItemReview[];

/** Reviews split by time into what the fit trains on and the newest, held out to judge it. */
export interface FitDataset {
  /** Items whose last review is before the cut. */
  train: Item[];
  /** Items whose last review is at or after the cut (the most recent reviews). */
  test: Item[];
  /** Time (ms) of the newest review, 0 when none. */
  newest: number;
}

const DAY_MS = 86_400_000;

/**
 * Each user's card histories, oldest first. Only complete histories count: one must start with the
 * card's first review (repsBefore 0) and stops at the first gap (a review this log did not see,
 * such as one done in a DM or lost to the log's cap). A review logged twice (a click delivered
 * twice) has the same repsBefore and is kept once.
 */
export function cardHistories(reviews: Iterable<TeamReview>): TeamReview[][] {
  const byCard = new Map<string, TeamReview[]>();
  for (const r of reviews) {
    const key = `${r.deckId} ${r.userId} ${r.cardId}`;
    const list = byCard.get(key);
    if (list) list.push(r);
    else byCard.set(key, [r]);
  }
  const out: TeamReview[][] = [];
  for (const list of byCard.values()) {
    list.sort((a, b) => a.repsBefore - b.repsBefore || a.at - b.at);
    const h: TeamReview[] = [];
    for (const r of list) {
      const want = h.length;
      if (r.repsBefore === want - 1) continue; // the same review logged twice
      if (r.repsBefore !== want) break;
      h.push(r);
    }
    if (h.length > 0) out.push(h);
  }
  return out;
}

/** Whole UTC days between two times. */
function dayGap(from: number, to: number): number {
  return Math.max(0, Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS));
}

/**
 * Builds the fit's items from card histories and holds out the most recent `testShare` of them (by
 * the time of their last review): the fit trains on the older ones, and old and new parameters are
 * compared on the held-out ones, as they would have predicted reviews they never saw.
 */
export function fitDataset(histories: TeamReview[][], testShare = 0.2): FitDataset {
  const items: { at: number; item: Item }[] = [];
  let newest = 0;
  for (const h of histories) {
    const seq: Item = [];
    h.forEach((r, i) => {
      const prev = h[i - 1];
      seq.push({ rating: r.rating, deltaT: prev ? dayGap(prev.at, r.at) : 0 });
      newest = Math.max(newest, r.at);
      // A history of one review predicts nothing: items start at the second review.
      if (i > 0) items.push({ at: r.at, item: seq.slice() });
    });
  }
  items.sort((a, b) => a.at - b.at);
  const cut = Math.min(items.length, Math.max(0, Math.floor(items.length * (1 - testShare))));
  return {
    train: items.slice(0, cut).map((x) => x.item),
    test: items.slice(cut).map((x) => x.item),
    newest,
  };
}
