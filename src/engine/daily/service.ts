import { randomUUID } from 'node:crypto';
import type { ActionResult, Actor, AdminCommand, Period } from '../api.js';
import { silentLogger } from '../api.js';
import { boardId, boardOfKey, LEADERBOARD_SIZE, renderLeaderboard } from '../leaderboard.js';
import type { ChannelSchedule, Streak, TeamRef } from '../ports.js';
import { localDate, previousScheduledDate } from '../schedule.js';
import { noticeView, type View } from '../views.js';
import { adminCommand } from './admin.js';
import { bad } from './format.js';
import { isRoundOfChannel, requestKey } from './round-ids.js';
import { closeRound, openRound } from './rounds.js';
import {
  type CloseOptions,
  type CloseReport,
  type DailyDeps,
  type DailyServiceOptions,
  dailySettings,
  type OpenOptions,
  type OpenOutcome,
} from './settings.js';
import { answerView, choiceText } from './views.js';

/**
 * Daily channel quizzes and team leaderboards, platform-neutral: admin commands on schedules,
 * opening and closing rounds (through a {@link ChatPort}), answers and leaderboards. Every
 * expected refusal is a view with a code; store failures throw QuizError('store_unavailable').
 */
export class DailyService {
  private readonly deps: DailyDeps;
  /** Claim owner id of this process. */
  readonly owner = `daily-${randomUUID().slice(0, 13)}`;

  constructor(opts: DailyServiceOptions) {
    this.deps = {
      store: opts.store,
      decks: opts.decks,
      clock: opts.clock,
      chat: opts.chat,
      random: opts.random ?? Math.random,
      log: opts.log ?? silentLogger,
      settings: dailySettings(opts.settings),
      owner: this.owner,
    };
  }

  /** Schedule commands. Only `list` is open to everyone; changes need `actor.isAdmin`. */
  admin(actor: Actor, cmd: AdminCommand): Promise<View> {
    return adminCommand(this.deps, actor, cmd);
  }

  /** See {@link openRound}. */
  openRound(team: TeamRef, channelId: string, date: string, opts: OpenOptions = {}): Promise<OpenOutcome> {
    return openRound(this.deps, team, channelId, date, opts);
  }

  /** See {@link closeRound}. */
  closeRound(team: TeamRef, roundId: string, opts: CloseOptions = {}): Promise<CloseReport> {
    return closeRound(this.deps, team, roundId, opts);
  }

  /** A daily answer: one store round trip, always a private reply. */
  async answer(actor: Actor, roundId: string, choice: number): Promise<ActionResult> {
    const reply = (view: View): ActionResult => ({ mode: 'reply', view });
    if (!actor.team) return reply(noticeView('unknown_round'));
    const { store, decks, clock, log } = this.deps;
    const source = actor.source;
    // The round must be this channel's (the id says so, no round trip) and this message's (the store checks).
    if (source && !isRoundOfChannel(roundId, source.channelId)) return this.mismatch(actor, roundId);
    const now = clock.now();
    const out = await store.answer(
      actor.team,
      roundId,
      actor.user.userId,
      choice,
      now,
      actor.displayName ?? null,
      requestKey(actor.requestId),
      source?.messageId,
    );
    switch (out.status) {
      case 'mismatch':
        return this.mismatch(actor, roundId);
      case 'unknown':
        return reply(noticeView('unknown_round'));
      case 'closed':
        return reply(noticeView('round_closed'));
      case 'bad_choice':
        return reply(noticeView('bad_action'));
      case 'already': {
        const picked = choiceText(decks, out.round, out.choice);
        return reply(noticeView('already_answered', picked ? `Your answer: **${picked}**` : undefined));
      }
      case 'accepted':
        // A re-delivered click (another replica, a platform retry) gets what the first delivery got.
        if (out.repeat)
          log.debug(
            { team: actor.team, roundId, user: actor.user.userId },
            'daily answer delivered again: answered as the first time',
          );
        return reply(answerView(decks, out.round, out.choice, out.at));
    }
  }

  private mismatch(actor: Actor, roundId: string): ActionResult {
    this.deps.log.warn(
      { team: actor.team, roundId: roundId.slice(0, 80), source: actor.source, user: actor.user.userId },
      'daily answer refused: its round is not the one posted as the clicked message',
    );
    return { mode: 'reply', view: noticeView('bad_action') };
  }

  /**
   * The team leaderboard of a period (this or last week or month, all time) or of a named one
   * (`2024-W13`, `2024-03`): top 10 plus the caller's rank, and the caller's streak.
   *
   * Points go to the boards of each round's own local date, so "this week" is read from the same
   * dates: the newest local date among the team's schedules' timezones (the newest period a round
   * can already be scoring in), whatever schedule changed last. Without schedules: the team's
   * stored timezone, else UTC.
   */
  async leaderboard(actor: Actor, period: Period, key?: string): Promise<View> {
    const team = actor.team;
    if (!team)
      return bad('Leaderboards belong to a team: use this command in a server or workspace channel.');
    const { store, clock } = this.deps;
    const now = clock.now();
    const schedules = await store.listSchedules(team);
    const zones = new Set(schedules.map((s) => s.timezone));
    if (zones.size === 0) zones.add((await store.teamTimezone(team)) ?? 'UTC');
    // YYYY-MM-DD dates sort as they read: the last is the newest.
    const today = [...zones]
      .map((tz) => localDate(now, tz))
      .sort()
      .at(-1) as string;
    const board = key === undefined ? boardId(period, today) : boardOfKey(period, key);
    if (!board) {
      return bad(
        `\`${key}\` is not a ${period} period: use a week like \`2024-W13\` or a month like \`2024-03\`.`,
      );
    }
    const [page, streak] = await Promise.all([
      store.leaderboard(team, board, actor.user.userId, LEADERBOARD_SIZE),
      store.streak(team, actor.user.userId),
    ]);
    return renderLeaderboard({
      platform: team.platform,
      board,
      page,
      userId: actor.user.userId,
      streak: liveStreak(streak, schedules, now),
    });
  }
}

/** A streak is current while its last date is not older than some schedule's previous quiz day. */
function liveStreak(streak: Streak | null, schedules: ChannelSchedule[], now: number): Streak | null {
  if (!streak) return null;
  const active = schedules.filter((s) => !s.paused);
  if (active.length === 0) return streak;
  const live = active.some((s) => {
    const today = localDate(now, s.timezone);
    const prev = previousScheduledDate(s.weekdays, today);
    return streak.last >= today || (prev !== null && streak.last >= prev);
  });
  return live ? streak : { ...streak, count: 0 };
}
