import { encodeAction, ownerTag } from './actions.js';
import type { Actor, Logger } from './api.js';
import { silentLogger } from './api.js';
import type { Clock, TeamEraser, TeamRef } from './ports.js';
import { noticeView, refusalView, type View } from './views.js';

/** Days a team's data is kept after the bot leaves it (`TEAM_DATA_GRACE_DAYS`). */
export const DEFAULT_GRACE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Options of {@link TeamForgetting}. */
export interface TeamForgettingOptions {
  /** Where team data is deleted and deletions are planned. */
  eraser: TeamEraser;
  /** Time source. */
  clock: Clock;
  /** Days from the bot leaving a team to its data's deletion. */
  graceDays?: number;
  /** Logger. */
  log?: Logger;
}

const refText = (t: TeamRef) => `${t.platform}:${t.teamId}`;

/**
 * Whole-team deletion: planned when the bot leaves a team (Slack uninstall or revoked token,
 * Discord server removing the bot), cancelled when it comes back within the grace period, done
 * by a background job when the period ends, or at once when an admin confirms `forget-team`.
 */
export class TeamForgetting {
  private readonly log: Logger;
  readonly graceMs: number;

  constructor(private readonly o: TeamForgettingOptions) {
    this.log = o.log ?? silentLogger;
    this.graceMs = (o.graceDays ?? DEFAULT_GRACE_DAYS) * DAY_MS;
  }

  /** The bot left the team: its data is deleted after the grace period (unless it comes back). Resolves the time. */
  async left(team: TeamRef): Promise<number> {
    const at = this.o.clock.now() + this.graceMs;
    await this.o.eraser.planErase(team, at);
    this.log.info({ team: refText(team), at: new Date(at).toISOString() }, 'team data deletion planned');
    return at;
  }

  /** The bot is back in the team: a planned deletion is cancelled. */
  async returned(team: TeamRef): Promise<boolean> {
    const cancelled = await this.o.eraser.cancelErase(team);
    if (cancelled) this.log.info({ team: refText(team) }, 'team data deletion cancelled: the bot is back');
    return cancelled;
  }

  /** Deletes the team's data now. */
  async forgetNow(team: TeamRef): Promise<number> {
    const removed = await this.o.eraser.eraseTeam(team);
    this.log.info({ team: refText(team), removed }, 'team data deleted');
    return removed;
  }

  /** Deletes the data of every team whose grace period has ended (in batches); resolves those teams. */
  async runDue(batch = 100): Promise<TeamRef[]> {
    const done: TeamRef[] = [];
    for (;;) {
      const due = await this.o.eraser.dueErasures(this.o.clock.now(), batch);
      for (const team of due) {
        await this.forgetNow(team);
        done.push(team);
      }
      if (due.length < batch) return done;
    }
  }

  /** `forget-team`: for an admin, the confirmation (a button only they can press); else a refusal. */
  confirmation(actor: Actor): View {
    if (!actor.team) return noticeView('bad_argument', 'Use this command in a workspace or server channel.');
    if (!actor.isAdmin) return refusalView('not_admin', 'Only team admins can delete the team’s quiz data.');
    return {
      title: 'Delete all of this team’s quiz data?',
      text:
        'This deletes the daily-quiz schedules, rounds and answers, the leaderboards and streaks, ' +
        'the team’s review log and fitted scheduling parameters and its settings, at once and for ' +
        'good. Each member’s own flashcard progress stays (they can delete it with forget-me).',
      private: true,
      tone: 'warning',
      buttons: [
        [
          {
            actionId: encodeAction({ kind: 'forget-team', owner: ownerTag(actor.user) }),
            label: 'Delete team data',
            style: 'danger',
          },
        ],
      ],
    };
  }

  /** The confirmation button: deletes the actor's team's data. */
  async confirmed(actor: Actor, owner: string): Promise<View> {
    if (!actor.team) return noticeView('bad_argument', 'Use this in a workspace or server channel.');
    if (owner !== ownerTag(actor.user))
      return refusalView(
        'not_owner',
        'That button belongs to the admin who asked to delete the team’s data.',
      );
    await this.forgetNow(actor.team);
    return {
      text: 'All of this team’s quiz data is deleted. Schedules, leaderboards and streaks start from nothing.',
      private: true,
      tone: 'success',
    };
  }
}
