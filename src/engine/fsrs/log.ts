import type { UserRef } from '../ports.js';

/** One review of a team's log, as the fit reads it. */
export interface TeamReview {
  /** When, ms (whole seconds). */
  at: number;
  /** Deck id. */
  deckId: string;
  /** User id on the team's platform. */
  userId: string;
  /** Card id. */
  cardId: string;
  /** The card's review count before this review (0: its first review). */
  repsBefore: number;
  /** 1 Again, 2 Hard, 3 Good, 4 Easy. */
  rating: number;
}

/**
 * One line of a team's review log: `<seconds base36> <deck> <user> <card> <repsBefore> <rating>`.
 * About 45 bytes; ids are percent-encoded, so a space never appears inside a field.
 */
export function teamReviewLine(
  now: number,
  deckId: string,
  user: UserRef,
  cardId: string,
  repsBefore: number,
  rating: number,
): string {
  const e = encodeURIComponent;
  return `${Math.floor(now / 1000).toString(36)} ${e(deckId)} ${e(user.userId)} ${e(cardId)} ${repsBefore} ${rating}`;
}

/** Parses a line of {@link teamReviewLine}; null for a line it does not recognise. */
export function parseTeamReview(line: string): TeamReview | null {
  const f = line.split(' ');
  if (f.length !== 6) return null;
  const [t, deck, user, card, reps, rating] = f as [string, string, string, string, string, string];
  const at = Number.parseInt(t, 36) * 1000;
  const repsBefore = Number(reps);
  const r = Number(rating);
  if (!Number.isFinite(at) || !Number.isInteger(repsBefore) || repsBefore < 0) return null;
  if (!Number.isInteger(r) || r < 1 || r > 4) return null;
  try {
    return { at, deckId: decode(deck), userId: decode(user), cardId: decode(card), repsBefore, rating: r };
  } catch {
    return null;
  }
}

/** decodeURIComponent, skipped for the usual field without an escape (a tenth of the parse time). */
const decode = (s: string) => (s.includes('%') ? decodeURIComponent(s) : s);
