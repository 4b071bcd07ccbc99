import type { TeamRef } from './refs.js';

/** Held-out quality of one parameter set (lower is better for both). */
export interface FitMetrics {
  /** Mean log loss of the recall predictions. */
  logLoss: number;
  /** RMSE over bins of predicted vs observed recall (fsrs-rs `rmseBins`). */
  rmseBins: number;
}

/** FSRS parameters adopted for a team (or one of its decks). */
export interface FsrsParams {
  /** Increments with every adoption in this scope, starting at 1. */
  version: number;
  /** The FSRS weights (`w`, 21 numbers for FSRS-6), as `fsrs({ w })` takes them. */
  w: number[];
  /** When they were fitted (ms). */
  fittedAt: number;
  /** Reviews the fit trained on. */
  trainReviews: number;
  /** Held-out reviews both sets were measured on. */
  testReviews: number;
  /** The parameters they replaced, measured on the held-out reviews. */
  before: FitMetrics;
  /** These parameters on the same held-out reviews. */
  after: FitMetrics;
}

/** The last fit attempt of a scope, adopted or not (what `fsrs fit` and insights show). */
export interface FitAttempt {
  /** When (ms). */
  at: number;
  /** Time (ms) of the newest review in the log then: no newer review, no new attempt. */
  newest: number;
  /** What happened. */
  outcome: 'adopted' | 'kept' | 'failed' | 'too-few';
  /** Current and fitted metrics, when the fit got that far. */
  before?: FitMetrics;
  /** Fitted parameters' metrics. */
  after?: FitMetrics;
  /** Why it failed. */
  error?: string;
}

/** The parameters of a team: team-wide and per deck (a deck's own wins over the team's). */
export interface TeamParams {
  /** Team-wide parameters, or null for FSRS's defaults. */
  team: FsrsParams | null;
  /** deckId -> that deck's own parameters. */
  decks: Record<string, FsrsParams>;
}

/**
 * Fitting data and fitted parameters of teams. The team's review log is written by the review
 * store on the grade path (`GradeWrite.team`); this port reads it for the background fit and keeps
 * what the fit decides. Scope `null` is the whole team, a string one deck of it.
 */
export interface FsrsStore {
  /** The team's review log lines (`engine/fsrs/log.ts`), newest first; empty once expired at `now`. */
  teamReviews(team: TeamRef, now: number): Promise<string[]>;
  /** Teams that have a review log at `now` (the fit job walks them). */
  teamsWithReviews(now: number): Promise<TeamRef[]>;
  /** The team's adopted parameters. */
  params(team: TeamRef): Promise<TeamParams>;
  /** Adopts parameters for a scope. */
  saveParams(team: TeamRef, deckId: string | null, p: FsrsParams): Promise<void>;
  /** The last attempt of every scope ('' = team, else deck id). */
  attempts(team: TeamRef): Promise<Record<string, FitAttempt>>;
  /** Records a scope's attempt. */
  saveAttempt(team: TeamRef, deckId: string | null, a: FitAttempt): Promise<void>;
  /** Drops every adopted parameter set and attempt of the team: its reviews use FSRS's defaults again. */
  resetParams(team: TeamRef): Promise<void>;
  /**
   * Takes (or, for the same owner, extends) the one fit lease of the whole store until `now + ttlMs`.
   * True when `owner` holds it afterwards; at most one owner holds it at any time.
   */
  acquireFitLease(owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` still holds it. */
  releaseFitLease(owner: string): Promise<void>;
}
