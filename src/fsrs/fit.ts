import { cardHistories, fitDataset } from '../engine/fsrs/dataset.js';
import { parseTeamReview, type TeamReview } from '../engine/fsrs/log.js';
import { DEFAULT_W, validWeights } from '../engine/fsrs/params.js';
import type { FitAttempt, FitMetrics, FsrsStore, TeamParams, TeamRef } from '../engine/ports.js';
import type { Optimizer } from './optimizer.js';

/** Options of {@link fitTeam}. */
export interface FitTeamOptions {
  /** Where the log and parameters live. */
  store: FsrsStore;
  /** fsrs-rs. */
  optimizer: Optimizer;
  /** The team. */
  team: TeamRef;
  /** Now (ms). */
  now: number;
  /** Reviews a scope (the team, or one deck) needs before it is fitted. */
  minReviews: number;
  /** Measure and report, store nothing. */
  dryRun?: boolean;
  /** Fit a scope again even when it has no review newer than its last attempt, or its attempt is recent. */
  force?: boolean;
  /** A scope attempted less than this long ago is left alone (default 0). */
  minAttemptAgeMs?: number;
  /** Share of the most recent items held out to judge the fit (default 0.2). */
  testShare?: number;
  /** Called before each scope's fit; false stops (the job lost its lease). */
  beforeScope?: () => Promise<boolean>;
}

/** What happened to one scope. */
export interface ScopeReport {
  /** null: the whole team; else the deck. */
  deckId: string | null;
  /** Reviews of the scope in the log. */
  reviews: number;
  /** adopted / kept (not better) / failed / skipped (nothing new or tried recently). */
  outcome: FitAttempt['outcome'] | 'skipped';
  /** The parameters in use before, on the held-out reviews. */
  before?: FitMetrics;
  /** The fitted ones, on the same reviews. */
  after?: FitMetrics;
  /** Version adopted. */
  version?: number;
  /** Why it failed. */
  error?: string;
}

/** What {@link fitTeam} did for a team. */
export interface TeamReport {
  /** The team. */
  team: TeamRef;
  /** Reviews in its log. */
  reviews: number;
  /** One entry per scope considered (none when the team has fewer than minReviews). */
  scopes: ScopeReport[];
}

/**
 * Fits a team's FSRS weights, and each deck's with enough reviews of its own, on the older reviews
 * of its log; adopts them only when they beat the weights in use on the most recent (held-out)
 * reviews on both log loss and RMSE over bins. A failure in one scope is recorded and leaves its
 * weights as they were.
 */
export async function fitTeam(o: FitTeamOptions): Promise<TeamReport> {
  const reviews = await parseChunked(await o.store.teamReviews(o.team, o.now));
  const report: TeamReport = { team: o.team, reviews: reviews.length, scopes: [] };
  if (reviews.length < o.minReviews) return report;
  const [current, attempts] = await Promise.all([o.store.params(o.team), o.store.attempts(o.team)]);
  const byDeck = new Map<string, TeamReview[]>();
  for (const r of reviews) {
    const list = byDeck.get(r.deckId);
    if (list) list.push(r);
    else byDeck.set(r.deckId, [r]);
  }
  const scopes: [string | null, TeamReview[]][] = [[null, reviews]];
  for (const [deckId, list] of [...byDeck].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (list.length >= o.minReviews && byDeck.size > 1) scopes.push([deckId, list]);
  for (const [deckId, list] of scopes) {
    if (o.beforeScope && !(await o.beforeScope())) break;
    report.scopes.push(await fitScope(o, current, attempts[deckId ?? ''], deckId, list));
  }
  return report;
}

/** Parses log lines, yielding to the event loop between chunks (a team log holds up to 50,000). */
async function parseChunked(lines: string[]): Promise<TeamReview[]> {
  const out: TeamReview[] = [];
  for (let i = 0; i < lines.length; i += 5_000) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const line of lines.slice(i, i + 5_000)) {
      const r = parseTeamReview(line);
      if (r) out.push(r);
    }
  }
  return out;
}

async function fitScope(
  o: FitTeamOptions,
  current: TeamParams,
  last: FitAttempt | undefined,
  deckId: string | null,
  reviews: TeamReview[],
): Promise<ScopeReport> {
  const newest = reviews.reduce((m, r) => Math.max(m, r.at), 0);
  const base: ScopeReport = { deckId, reviews: reviews.length, outcome: 'skipped' };
  const recent = last && o.now - last.at < (o.minAttemptAgeMs ?? 0);
  if (!o.force && last && (last.newest === newest || recent)) return base;
  const own = deckId === null ? current.team : current.decks[deckId];
  const inUse = (deckId === null ? null : current.decks[deckId]) ?? current.team;
  let result: ScopeReport;
  try {
    const ds = fitDataset(cardHistories(reviews), o.testShare);
    if (ds.train.length === 0 || ds.test.length === 0)
      throw new Error('no complete card histories to fit on');
    const w = await o.optimizer.fit(ds.train);
    if (!validWeights(w))
      throw new Error(`the optimizer returned unusable weights (${String(w).slice(0, 80)})`);
    const before = await o.optimizer.evaluate(inUse?.w ?? DEFAULT_W, ds.test);
    const after = await o.optimizer.evaluate(w, ds.test);
    if (![before, after].every((m) => Number.isFinite(m.logLoss) && Number.isFinite(m.rmseBins)))
      throw new Error('the held-out metrics are not finite');
    const better = after.logLoss < before.logLoss && after.rmseBins < before.rmseBins;
    result = { ...base, outcome: better ? 'adopted' : 'kept', before, after };
    if (better && !o.dryRun) {
      result.version = (own?.version ?? 0) + 1;
      await o.store.saveParams(o.team, deckId, {
        version: result.version,
        w,
        fittedAt: o.now,
        trainReviews: ds.train.length,
        testReviews: ds.test.length,
        before,
        after,
      });
    }
  } catch (err) {
    result = { ...base, outcome: 'failed', error: (err as Error).message ?? String(err) };
  }
  if (!o.dryRun) {
    const { outcome, before, after, error } = result;
    const attempt: FitAttempt = { at: o.now, newest, outcome: outcome === 'skipped' ? 'kept' : outcome };
    if (before) attempt.before = before;
    if (after) attempt.after = after;
    if (error) attempt.error = error;
    await o.store.saveAttempt(o.team, deckId, attempt);
  }
  return result;
}
