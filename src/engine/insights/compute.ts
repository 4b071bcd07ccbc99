import type { DeckSet } from '../deck/types.js';
import { parseTeamReview, type TeamReview } from '../fsrs/log.js';
import type { FitAttempt, FsrsParams, Streak } from '../ports.js';
import { addDays, isoWeekKey, localDate } from '../schedule.js';

/** Sizes of the insights: few lines, so the answer fits a Slack section and an embed. */
export const INSIGHTS = {
  /** Hardest cards listed. */
  hardest: 5,
  /** Reviews of a card (of a card already seen) before its recall counts as "hard". */
  minReviews: 3,
  /** Weeks of daily-quiz participation shown. */
  weeks: 8,
  /** Months of team recall in the chart. */
  months: 6,
} as const;

/** A card few recall, with its counts. */
export interface HardCard {
  deckId: string;
  cardId: string;
  /** The card's front (question), or its id when the deck no longer has it. */
  front: string;
  /** Reviews of the card after its first (recall is measured on those). */
  reviews: number;
  /** Of those, recalled (rating above Again). */
  recalled: number;
}

/** Recall of a period: reviews of cards already seen, and how many were recalled. */
export interface Recall {
  /** Period key (`YYYY-MM`). */
  key: string;
  reviews: number;
  recalled: number;
}

/** Everything `/quiz-admin insights` shows, as data (aggregates only: no user appears). */
export interface TeamInsights {
  /** Reviews in the team's log, and how many users did them. */
  reviews: number;
  users: number;
  /** Lowest recall first. */
  hardest: HardCard[];
  /** Per loaded deck: cards nobody in the team has reviewed (within the log), of all its cards. */
  notStarted: { deckId: string; title: string; notStarted: number; cards: number }[];
  /** Team recall per month, oldest first, ending with this month. */
  months: Recall[];
  /** Members with points on each week's board, oldest first, ending with this week. */
  weeks: { key: string; players: number }[];
  /** Streaks: members on a live streak, the longest live one, the best ever. */
  streaks: { live: number; longest: number; best: number };
  /** The team-wide fitted parameters (null: FSRS's defaults), deck-level ones, and the last attempt. */
  fsrs: { team: FsrsParams | null; decks: number; last: FitAttempt | null };
}

/** What the insights are computed from: store reads, made by the service. */
export interface InsightsInput {
  decks: DeckSet;
  /** Now, ms, and the team's timezone. */
  now: number;
  tz: string;
  /** The team's review log lines, newest first. */
  log: string[];
  /** Live streaks (already checked against the schedules). */
  streaks: Streak[];
  /** Week board keys asked (`w:YYYY-Www`, oldest first) and their sizes. */
  weeks: string[];
  weekSizes: number[];
  /** The team's parameters and last fit attempt. */
  fsrs: TeamInsights['fsrs'];
}

/** Board keys of the last {@link INSIGHTS.weeks} ISO weeks, oldest first, ending with this one. */
export function recentWeekBoards(today: string): string[] {
  return Array.from(
    { length: INSIGHTS.weeks },
    (_, i) => `w:${isoWeekKey(addDays(today, -7 * (INSIGHTS.weeks - 1 - i)))}`,
  );
}

/** Month keys `YYYY-MM` of the last `n` months, oldest first, ending with this one. */
export function recentMonths(today: string, n: number): string[] {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7)) - 1;
  return Array.from({ length: n }, (_, i) => {
    const k = y * 12 + m - (n - 1 - i);
    return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
  });
}

function hardest(decks: DeckSet, reviews: TeamReview[]): HardCard[] {
  const byCard = new Map<string, HardCard>();
  for (const r of reviews) {
    if (r.repsBefore === 0) continue;
    const key = `${r.deckId}\u0000${r.cardId}`;
    let c = byCard.get(key);
    if (!c) {
      const front = decks.card(r.deckId, r.cardId)?.front ?? r.cardId;
      c = { deckId: r.deckId, cardId: r.cardId, front, reviews: 0, recalled: 0 };
      byCard.set(key, c);
    }
    c.reviews++;
    if (r.rating > 1) c.recalled++;
  }
  return [...byCard.values()]
    .filter((c) => c.reviews >= INSIGHTS.minReviews && c.recalled < c.reviews)
    .sort((a, b) => a.recalled / a.reviews - b.recalled / b.reviews || b.reviews - a.reviews)
    .slice(0, INSIGHTS.hardest);
}

function notStarted(decks: DeckSet, reviews: TeamReview[]): TeamInsights['notStarted'] {
  const seen = new Set(reviews.map((r) => `${r.deckId}\u0000${r.cardId}`));
  return decks.list().map((d) => ({
    deckId: d.id,
    title: d.title,
    cards: d.cards.length,
    notStarted: d.cards.filter((c) => !seen.has(`${d.id}\u0000${c.id}`)).length,
  }));
}

function monthlyRecall(reviews: TeamReview[], today: string, tz: string): Recall[] {
  const months = recentMonths(today, INSIGHTS.months);
  const index = new Map(months.map((k, i) => [k, i]));
  const out = months.map((key) => ({ key, reviews: 0, recalled: 0 }));
  for (const r of reviews) {
    if (r.repsBefore === 0) continue;
    const m = out[index.get(localDate(r.at, tz).slice(0, 7)) ?? -1];
    if (!m) continue;
    m.reviews++;
    if (r.rating > 1) m.recalled++;
  }
  return out;
}

/** Computes the insights from the store reads (pure). */
export function teamInsights(input: InsightsInput): TeamInsights {
  const reviews = input.log.flatMap((l) => parseTeamReview(l) ?? []);
  const today = localDate(input.now, input.tz);
  const live = input.streaks.filter((s) => s.count > 0);
  return {
    reviews: reviews.length,
    users: new Set(reviews.map((r) => r.userId)).size,
    hardest: hardest(input.decks, reviews),
    notStarted: notStarted(input.decks, reviews),
    months: monthlyRecall(reviews, today, input.tz),
    weeks: input.weeks.map((b, i) => ({ key: b.slice(2), players: input.weekSizes[i] ?? 0 })),
    streaks: {
      live: live.length,
      longest: Math.max(0, ...live.map((s) => s.count)),
      best: Math.max(0, ...input.streaks.map((s) => s.best)),
    },
    fsrs: input.fsrs,
  };
}
