import type { Logger } from '../engine/api.js';
import type { TeamForgetting } from '../engine/team-forget.js';

/** Options of {@link startEraseTimer}. */
export interface EraseTimerOptions {
  /** Whole-team deletion. */
  forgetting: TeamForgetting;
  /** Time between runs (ms, `TEAM_ERASE_INTERVAL_MS`). */
  intervalMs: number;
  /** Delay of the first run after start (ms). */
  firstMs: number;
  /** Logger. */
  log: Logger;
}

/**
 * Deletes the data of teams whose grace period has ended, every `intervalMs`, in each process
 * (deleting is idempotent, so two replicas running at once do no harm). The timer is unref'd;
 * `stop` waits for a run in progress.
 */
export function startEraseTimer(o: EraseTimerOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = o.forgetting
      .runDue()
      .then((teams) => {
        if (teams.length > 0) o.log.info({ teams: teams.length }, 'team data deleted after the grace period');
      })
      .catch((err: unknown) => o.log.warn({ err }, 'team data deletion run failed; retried at the next run'))
      .finally(() => {
        running = undefined;
      });
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, o.intervalMs);
    interval.unref();
  }, o.firstMs);
  first.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running;
    },
  };
}
