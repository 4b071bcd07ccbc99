import { randomUUID } from 'node:crypto';
import type { Logger } from '../engine/api.js';
import type { FsrsStore, TeamRef } from '../engine/ports.js';
import { fitTeam, type TeamReport } from './fit.js';
import type { Optimizer } from './optimizer.js';

/** Options of {@link FitJob}. */
export interface FitJobOptions {
  /** Where the logs, parameters and the lease live. */
  store: FsrsStore;
  /** Loads fsrs-rs once (null: it cannot load, and the job does nothing). */
  optimizer: () => Promise<Optimizer | null>;
  /** Reviews a team (or a deck) needs before it is fitted (FSRS_FIT_MIN_REVIEWS). */
  minReviews: number;
  /** Logger. */
  log: Logger;
  /** How long the lease lasts without renewal; renewed before each scope's fit (default 120 s). */
  leaseMs?: number;
  /** A scope attempted less than this long ago is not fitted again by a scheduled run. */
  minAttemptAgeMs?: number;
  /** Time source of lease renewals (default Date.now). */
  clock?: () => number;
  /** This instance's lease owner id (default a random UUID). */
  owner?: string;
}

/** What one run did: `busy` when another process holds the lease. */
export type FitRun =
  | { status: 'busy' }
  | { status: 'unavailable' }
  | { status: 'done'; teams: TeamReport[]; lostLease: boolean };

/** Options of one run. */
export interface RunOptions {
  /** Only this team. */
  team?: TeamRef;
  /** Measure, store nothing. */
  dryRun?: boolean;
  /** Ignore "nothing new" and "tried recently". */
  force?: boolean;
}

/**
 * The background FSRS fit: at most one run at a time across every process sharing the store (a
 * lease in the store), walking the teams with a review log. Never on a click's path: the bot calls
 * {@link FitJob.run} from a timer, the CLI from `quizbot fsrs fit`.
 */
export class FitJob {
  private readonly owner: string;
  private optimizer: Promise<Optimizer | null> | undefined;

  constructor(private readonly o: FitJobOptions) {
    this.owner = o.owner ?? randomUUID();
  }

  /** One run at `now` (ms): takes the lease or returns `busy`, fits, gives the lease back. */
  async run(now: number, opts: RunOptions = {}): Promise<FitRun> {
    this.optimizer ??= this.o.optimizer();
    const optimizer = await this.optimizer;
    if (!optimizer) return { status: 'unavailable' };
    const leaseMs = this.o.leaseMs ?? 120_000;
    if (!(await this.o.store.acquireFitLease(this.owner, now, leaseMs))) return { status: 'busy' };
    let lostLease = false;
    const teams: TeamReport[] = [];
    try {
      const list = opts.team ? [opts.team] : await this.o.store.teamsWithReviews(now);
      for (const team of list) {
        const report = await fitTeam({
          store: this.o.store,
          optimizer,
          team,
          now,
          minReviews: this.o.minReviews,
          dryRun: opts.dryRun ?? false,
          force: opts.force ?? false,
          minAttemptAgeMs: this.o.minAttemptAgeMs ?? 0,
          beforeScope: async () => {
            // A lease that ran out (a long stall) and was taken by another process stops the run.
            lostLease = !(await this.o.store.acquireFitLease(
              this.owner,
              (this.o.clock ?? Date.now)(),
              leaseMs,
            ));
            return !lostLease;
          },
        });
        teams.push(report);
        for (const s of report.scopes)
          if (s.outcome !== 'skipped')
            this.o.log.info(
              {
                team,
                deckId: s.deckId,
                reviews: s.reviews,
                outcome: s.outcome,
                before: s.before,
                after: s.after,
                error: s.error,
              },
              'FSRS fit',
            );
        if (lostLease) break;
      }
    } finally {
      await this.o.store.releaseFitLease(this.owner).catch(() => {});
    }
    return { status: 'done', teams, lostLease };
  }
}
