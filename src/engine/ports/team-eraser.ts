import type { TeamRef } from './refs.js';

/**
 * Deleting a whole team's data (a workspace that uninstalled the app, a server that removed the
 * bot, an admin's `forget-team`), and the plan of deletions waiting out their grace period.
 * Study data stays: it belongs to each user (see the per-user deletion), not to the team.
 */
export interface TeamEraser {
  /**
   * Deletes everything stored of the team: schedules, rounds, answers, claims, boards, streaks,
   * names, settings, its review log and fitted FSRS parameters, its entries in the global
   * indexes (teams, fit index, due work, planned deletion). Idempotent; resolves to how many
   * stored things were removed.
   */
  eraseTeam(team: TeamRef): Promise<number>;
  /** Plans the team's deletion at `at` (ms), replacing an earlier plan. */
  planErase(team: TeamRef, at: number): Promise<void>;
  /** Cancels a planned deletion; true when one was planned. */
  cancelErase(team: TeamRef): Promise<boolean>;
  /** When the team's deletion is planned (ms), or null. */
  plannedErase(team: TeamRef): Promise<number | null>;
  /** Teams whose planned deletion is due at `now`, earliest first, at most `limit`. */
  dueErasures(now: number, limit: number): Promise<TeamRef[]>;
}
