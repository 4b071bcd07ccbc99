import type { Logger } from '../engine/api.js';
import { startRepeating } from '../repeat.js';
import type { FitJob } from './job.js';

/** Options of {@link startFitTimer}. */
export interface FitTimerOptions {
  /** The job. */
  job: FitJob;
  /** Time between runs (ms). */
  intervalMs: number;
  /** Delay of the first run after start (ms), so a start-up is not slowed by a fit. */
  firstMs: number;
  /** Now. */
  now: () => number;
  /** Logger. */
  log: Logger;
}

/**
 * Runs the fit job every `intervalMs` in this process (each process does; the job's lease lets
 * one fit at a time). Timers are unref'd; `stop` waits for a run in progress.
 */
export function startFitTimer(o: FitTimerOptions): { stop(): Promise<void> } {
  return startRepeating({
    run: () => o.job.run(o.now()),
    intervalMs: o.intervalMs,
    firstMs: o.firstMs,
    onError: (err) => o.log.warn({ err }, 'FSRS fit run failed; parameters unchanged'),
  });
}
