import type { Logger } from '../engine/api.js';
import type { TeamForgetting } from '../engine/team-forget.js';
import { startRepeating } from '../repeat.js';

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
 * (deleting is idempotent, so two replicas running at once do no harm).
 */
export function startEraseTimer(o: EraseTimerOptions): { stop(): Promise<void> } {
  return startRepeating({
    run: async () => {
      const teams = await o.forgetting.runDue();
      if (teams.length > 0) o.log.info({ teams: teams.length }, 'team data deleted after the grace period');
    },
    intervalMs: o.intervalMs,
    firstMs: o.firstMs,
    onError: (err) => o.log.warn({ err }, 'team data deletion run failed; retried at the next run'),
  });
}
