import type { Actor } from '../api.js';
import { liveStreak } from '../daily/service.js';
import type { DeckSet } from '../deck/types.js';
import type { Clock, FsrsStore, TeamRef, TeamStore } from '../ports.js';
import { localDate } from '../schedule.js';
import { noticeView, refusalView, type View } from '../views.js';
import { recentWeekBoards, teamInsights } from './compute.js';
import { insightsView } from './view.js';

/** What {@link InsightsService} reads. */
export interface InsightsDeps {
  /** Schedules, timezone, streaks and week boards. */
  teams: Pick<TeamStore, 'listSchedules' | 'teamTimezone' | 'allStreaks' | 'boardSizes'>;
  /** The team's review log and fitted parameters. */
  fsrs: Pick<FsrsStore, 'teamReviews' | 'params' | 'attempts' | 'resetParams'>;
  /** Loaded decks (card fronts, cards not started). */
  decks: DeckSet;
  /** Time source. */
  clock: Clock;
  /** Timezone of a team without a schedule (`QUIZBOT_TIMEZONE`). */
  tz: string;
}

/**
 * Team insights for admins (`/quiz-admin insights`, `/quiz insights`) and the FSRS reset: computed
 * here from store reads, a fixed number of them whatever the team's size (one round trip each,
 * the independent ones concurrently): schedules, timezone (only without a schedule), review log,
 * parameters, fit attempts, streaks, and the week boards' sizes in one pipeline.
 */
export class InsightsService {
  constructor(private readonly deps: InsightsDeps) {}

  /** The team's insights, private; refused to non-admins. */
  async insights(actor: Actor): Promise<View> {
    const team = this.teamOf(actor);
    if (!team || !actor.isAdmin) return this.refusal(actor);
    const { teams, fsrs, clock, decks } = this.deps;
    const now = clock.now();
    const schedules = await teams.listSchedules(team);
    const tz = schedules[0]?.timezone ?? (await teams.teamTimezone(team)) ?? this.deps.tz;
    const weeks = recentWeekBoards(localDate(now, tz));
    const [log, params, attempts, streaks, weekSizes] = await Promise.all([
      fsrs.teamReviews(team, now),
      fsrs.params(team),
      fsrs.attempts(team),
      teams.allStreaks(team),
      teams.boardSizes(team, weeks),
    ]);
    const live = streaks.map((s) => liveStreak(s, schedules, now)).filter((s) => s !== null);
    const data = teamInsights({
      decks,
      now,
      tz,
      log,
      streaks: live,
      weeks,
      weekSizes,
      fsrs: { team: params.team, decks: Object.keys(params.decks).length, last: attempts[''] ?? null },
    });
    return insightsView(data, team.platform);
  }

  /** Drops the team's fitted FSRS parameters: its reviews use FSRS's defaults again. */
  async resetFsrs(actor: Actor): Promise<View> {
    const team = this.teamOf(actor);
    if (!team || !actor.isAdmin) return this.refusal(actor);
    await this.deps.fsrs.resetParams(team);
    return {
      title: 'FSRS parameters reset',
      text: "The team's reviews are scheduled with FSRS's default parameters again. The background fit may fit new ones once enough new reviews come in.",
      private: true,
      tone: 'success',
    };
  }

  private teamOf(actor: Actor): TeamRef | null {
    return actor.team;
  }

  private refusal(actor: Actor): View {
    if (!actor.team) {
      return noticeView(
        'bad_argument',
        'Insights belong to a team: use this command in a server or workspace channel.',
      );
    }
    return refusalView('not_admin', 'Only team admins can see team insights or reset the FSRS parameters.');
  }
}
