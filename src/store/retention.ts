/**
 * What quizbot keeps and for how long (README "Retention"); both stores enforce the same numbers,
 * by the caller's clock, so an injected clock behaves as real time does. Redis TTLs of the same
 * length stand behind them for a team or user that stops writing.
 */
export const RETENTION = {
  /** A week board lives this long after its last points (this and last week stay readable, and a quarter back). */
  weekBoardMs: 13 * 7 * 86_400_000,
  /** A month board lives this long after its last points (the same month last year stays readable). */
  monthBoardMs: 400 * 86_400_000,
  /** Per-day review counters are kept this many days (30-day retention needs 30; the rest is slack). */
  dayCounterDays: 60,
  /** Names and streaks of a team member are forgotten after this long without a daily answer. */
  memberIdleMs: 180 * 86_400_000,
  /** Reviews kept in a team's review log (FSRS fitting data), newest first; about 45 bytes each. */
  teamReviewLogLines: 50_000,
  /** A team's review log is dropped this long after its last review. */
  teamReviewLogIdleMs: 400 * 86_400_000,
} as const;

/** The oldest local day (YYYY-MM-DD) whose review counters are kept when `day` is today. */
export function oldestKeptDay(day: string): string {
  // Every grade asks, nearly always for the same day: the last answer is kept (no Date per click).
  if (day === lastDay) return lastKept;
  const t = Date.parse(`${day}T00:00:00Z`);
  const kept = Number.isFinite(t)
    ? new Date(t - (RETENTION.dayCounterDays - 1) * 86_400_000).toISOString().slice(0, 10)
    : '';
  lastDay = day;
  lastKept = kept;
  return kept;
}
let lastDay = '';
let lastKept = '';
