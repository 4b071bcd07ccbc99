import { createHash, randomUUID } from 'node:crypto';
import { encodeAction } from './actions.js';
import type { ActionResult, Actor, AdminCommand, Logger, Period } from './api.js';
import { silentLogger } from './api.js';
import type { Deck, DeckCard, DeckSet } from './deck/types.js';
import {
  boardId,
  boardOfKey,
  boardsFor,
  displayName,
  LEADERBOARD_SIZE,
  renderLeaderboard,
} from './leaderboard.js';
import type {
  ChannelSchedule,
  ChatPort,
  Clock,
  DailyRound,
  DueItem,
  MessageRef,
  Platform,
  RoundResult,
  Streak,
  TeamRef,
  TeamStore,
} from './ports.js';
import {
  closeAt,
  formatClose,
  formatWeekdays,
  isoWeekday,
  localDate,
  nextOccurrence,
  occurrenceOn,
  parseClose,
  parseTime,
  parseTimezone,
  parseWeekdays,
  previousScheduledDate,
} from './schedule.js';
import { drawSeed, pick, type Random, seededRandom, shuffle } from './shuffle.js';
import { localParts, shortDuration } from './time.js';
import { noticeView, truncate, type View, type ViewButton, withSource } from './views.js';

/**
 * Points of the daily quiz: **10** for a correct answer, plus a speed bonus of **5**, **3** and **1**
 * for the first, second and third correct answers (ranked by answer time; equal times by user id).
 * A wrong answer scores 0 but keeps the daily streak going. Points are awarded once, when the round
 * closes, to the week, month and all-time boards of the round's local date.
 */
export const DAILY_POINTS = { correct: 10, speedBonus: [5, 3, 1] } as const;

/** Tunables of {@link DailyService}. */
export interface DailySettings {
  /** How long a claim keeps other processes from posting the same round while one posts, ms. */
  leaseMs: number;
  /** Post attempts per round before it is marked failed. */
  maxAttempts: number;
  /** How long closed rounds (and their answers and claims) are kept, ms. */
  keepMs: number;
  /** Points for a correct answer. */
  points: number;
  /** Speed bonus per place of the first correct answers. */
  speedBonus: number[];
  /** Fastest correct answerers shown in the results. */
  fastest: number;
}

/** Defaults of {@link DailySettings}. */
export const DAILY_DEFAULTS: DailySettings = {
  leaseMs: 5 * 60_000,
  maxAttempts: 3,
  keepMs: 14 * 86_400_000,
  points: DAILY_POINTS.correct,
  speedBonus: [...DAILY_POINTS.speedBonus],
  fastest: 3,
};

/** Options of {@link DailyService}. */
export interface DailyServiceOptions {
  /** Competition data. */
  store: TeamStore;
  /** Loaded decks. */
  decks: DeckSet;
  /** Time source. */
  clock: Clock;
  /** The outbound chat port of a platform, if that adapter runs. */
  chat: (platform: Platform) => ChatPort | undefined;
  /** Seed source for card picks and choice shuffles; default Math.random. */
  random?: Random;
  /** Where post failures are logged. */
  log?: Logger;
  /** Overrides of {@link DAILY_DEFAULTS}. */
  settings?: Partial<DailySettings>;
}

/** Options of {@link DailyService.openRound}. */
export interface OpenOptions {
  /** Claim owner (one id per process); default this service's id. */
  owner?: string;
  /** Current time; default the clock. */
  now?: number;
  /** Posted by an admin now rather than at the scheduled time: the round closes relative to now. */
  postNow?: boolean;
  /** Extra round of the same date (`[A-Za-z0-9]{1,8}`), beside the scheduled one. */
  suffix?: string;
}

/** What opening a round did. */
export type OpenOutcome =
  /** Posted now by this call. */
  | { status: 'posted'; roundId: string; message: MessageRef; closesAt: number }
  /** Posted before (by anyone): nothing done. */
  | { status: 'taken'; roundId: string }
  /** Another process is posting it; its lease ends at `until`. */
  | { status: 'busy'; roundId: string; until: number }
  /** The post failed; attempt `attempt` of the allowed ones, so it may be retried. */
  | { status: 'retry'; roundId: string; attempt: number; error: unknown }
  /** The post failed for good (attempts used up); the claim is marked failed. */
  | { status: 'failed'; roundId: string; attempts: number; error?: unknown }
  /** Nothing to post (no schedule, unknown deck, no chat adapter, window passed). */
  | { status: 'skipped'; roundId: string | null; reason: string };

/** What closing a round did. */
export interface CloseReport {
  /** `closed` by this call, `already` closed before, `unknown` round. */
  status: 'closed' | 'already' | 'unknown';
  /** Whether the post now shows the results (or there is nothing to edit). */
  revealed: boolean;
  /** Failed edits of the post so far (when not revealed). */
  failures: number;
  /** The last edit error (when not revealed). */
  error?: unknown;
}

const LETTERS = 'ABCDEFGHIJ';
const CHANNEL_TAG = /^[A-Za-z0-9_]{1,40}$/;
const ROUND_DATE = /-(\d{4})(\d{2})(\d{2})(?:-[A-Za-z0-9]{1,8})?$/;

/** Round id of a channel's round on a local date: `<channel>-<yyyymmdd>[-<suffix>]` (fits an action id). */
export function roundIdFor(channelId: string, date: string, suffix?: string): string {
  const tag = CHANNEL_TAG.test(channelId)
    ? channelId
    : `h${createHash('sha256').update(channelId).digest('hex').slice(0, 16)}`;
  return `${tag}-${date.replaceAll('-', '')}${suffix ? `-${suffix}` : ''}`;
}

/** The local date a round id belongs to, or null. */
export function roundDate(roundId: string): string | null {
  const m = ROUND_DATE.exec(roundId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** Request ids up to this length are stored as given; longer ones as a digest (keeps answer values small). */
const REQUEST_ID_MAX = 48;

/** The request id stored with an answer: the adapter's id, or a digest of a long one; undefined when none. */
export function requestKey(requestId: string | undefined): string | undefined {
  if (!requestId) return undefined;
  if (requestId.length <= REQUEST_ID_MAX) return requestId;
  return `#${createHash('sha256').update(requestId).digest('base64url').slice(0, 22)}`;
}

function mention(platform: Platform, channelId: string): string {
  return platform === 'terminal' ? `#${channelId}` : `<#${channelId}>`;
}

function hhmm(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
}

/** How long an answer took: `12s` under a minute, else `3m`, `2h`. */
function took(ms: number): string {
  return ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))}s` : shortDuration(ms);
}

const WEEKDAY_TITLES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function whenLocal(ms: number, tz: string): string {
  const date = localDate(ms, tz);
  return `${WEEKDAY_TITLES[isoWeekday(date) - 1]} ${date} ${hhmm(ms, tz)}`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}

function bad(detail: string): View {
  return noticeView('bad_argument', detail);
}

function describe(s: ChannelSchedule, platform: Platform): string {
  return `${mention(platform, s.channelId)}: **${s.deckId}** at ${s.time} (${s.timezone}), ${formatWeekdays(
    s.weekdays,
  )}, closing ${formatClose(s.close)}`;
}

/**
 * Daily channel quizzes and team leaderboards, platform-neutral: admin commands on schedules,
 * opening and closing rounds (through a {@link ChatPort}), answers and leaderboards. Every
 * expected refusal is a view with a code; store failures throw QuizError('store_unavailable').
 */
export class DailyService {
  private readonly store: TeamStore;
  private readonly decks: DeckSet;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly settings: DailySettings;
  /** Claim owner id of this process. */
  readonly owner = `daily-${randomUUID().slice(0, 13)}`;

  constructor(private readonly opts: DailyServiceOptions) {
    this.store = opts.store;
    this.decks = opts.decks;
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? silentLogger;
    this.settings = { ...DAILY_DEFAULTS, ...opts.settings };
  }

  // ---- admin ---------------------------------------------------------------------------------

  /** Schedule commands. Only `list` is open to everyone; changes need `actor.isAdmin`. */
  async admin(actor: Actor, cmd: AdminCommand): Promise<View> {
    const team = actor.team;
    if (!team)
      return bad('Daily quizzes belong to a team: use this command in a server or workspace channel.');
    if (cmd.kind !== 'list' && !actor.isAdmin) return noticeView('not_admin');
    const now = this.clock.now();
    switch (cmd.kind) {
      case 'schedule':
        return this.schedule(actor, team, cmd, now);
      case 'list':
        return this.list(team, now);
      case 'unschedule': {
        const removed = await this.store.deleteSchedule(team, cmd.channelId);
        await this.store.removeDue({ kind: 'open', team, channelId: cmd.channelId });
        if (!removed) return bad(`No daily quiz is scheduled in ${mention(team.platform, cmd.channelId)}.`);
        return this.done(
          'Daily quiz removed',
          `No more daily questions in ${mention(team.platform, cmd.channelId)}. A question that is open now still closes as planned.`,
        );
      }
      case 'pause':
      case 'resume': {
        const s = await this.store.getSchedule(team, cmd.channelId);
        if (!s) return bad(`No daily quiz is scheduled in ${mention(team.platform, cmd.channelId)}.`);
        const paused = cmd.kind === 'pause';
        const next: ChannelSchedule = { ...s, paused, updatedBy: actor.user.userId, updatedAt: now };
        await this.store.putSchedule(team, next);
        const item: DueItem = { kind: 'open', team, channelId: s.channelId };
        if (paused) {
          await this.store.removeDue(item);
          return this.done(
            'Daily quiz paused',
            `${describe(next, team.platform)}.\nPaused: no questions until resumed.`,
          );
        }
        const occ = nextOccurrence(next, now);
        await this.store.setDue(item, occ.start);
        return this.done(
          'Daily quiz resumed',
          `${describe(next, team.platform)}.\nNext question: ${whenLocal(occ.start, next.timezone)}.`,
        );
      }
      case 'post-now':
        return this.postNow(team, cmd.channelId, now);
    }
  }

  private done(title: string, text: string): View {
    return { title, text, private: true, tone: 'success' };
  }

  private async schedule(
    actor: Actor,
    team: TeamRef,
    cmd: Extract<AdminCommand, { kind: 'schedule' }>,
    now: number,
  ): Promise<View> {
    if (!cmd.channelId.trim()) return bad('Name the channel to post the daily question to.');
    const deck = this.decks.get(cmd.deckId);
    if (!deck) return noticeView('unknown_deck', `\`${cmd.deckId}\` is not a loaded deck.`);
    if (!deck.cards.some((c) => c.quiz.length > 0)) {
      return noticeView('deck_invalid', `Deck \`${deck.id}\` has no multiple-choice questions.`);
    }
    const time = parseTime(cmd.time);
    if (!time.ok) return bad(time.error);
    const tz = parseTimezone(cmd.timezone);
    if (!tz.ok) return bad(tz.error);
    const weekdays = parseWeekdays(cmd.weekdays);
    if (!weekdays.ok) return bad(weekdays.error);
    const close = parseClose(cmd.close, time.value);
    if (!close.ok) return bad(close.error);
    const s: ChannelSchedule = {
      channelId: cmd.channelId,
      deckId: deck.id,
      time: time.value,
      timezone: tz.value,
      weekdays: weekdays.value,
      close: close.value,
      paused: false,
      updatedBy: actor.user.userId,
      updatedAt: now,
    };
    await this.store.putSchedule(team, s);
    const occ = nextOccurrence(s, now);
    await this.store.setDue({ kind: 'open', team, channelId: s.channelId }, occ.start);
    return this.done(
      'Daily quiz scheduled',
      `${describe(s, team.platform)}.\nNext question: ${whenLocal(occ.start, s.timezone)}.`,
    );
  }

  private async list(team: TeamRef, now: number): Promise<View> {
    const all = await this.store.listSchedules(team);
    if (all.length === 0) {
      return {
        title: 'Daily quizzes',
        text: 'No daily quiz is scheduled in this team. An admin can add one with the schedule command.',
        private: true,
        tone: 'info',
      };
    }
    const lines = all.map((s) => {
      const state = s.paused ? 'paused' : `next ${whenLocal(nextOccurrence(s, now).start, s.timezone)}`;
      return `• ${describe(s, team.platform)} · ${state}`;
    });
    return { title: 'Daily quizzes', text: truncate(lines.join('\n'), 3000), private: true, tone: 'info' };
  }

  private async postNow(team: TeamRef, channelId: string, now: number): Promise<View> {
    const s = await this.store.getSchedule(team, channelId);
    const where = mention(team.platform, channelId);
    if (!s) return bad(`No daily quiz is scheduled in ${where}: schedule one first.`);
    const date = localDate(now, s.timezone);
    let out = await this.openRound(team, channelId, date, { now, postNow: true });
    if (out.status === 'taken' || out.status === 'busy' || out.status === 'failed') {
      // Today's round exists: post an extra one, keyed by the minute so a double click posts once.
      out = await this.openRound(team, channelId, date, {
        now,
        postNow: true,
        suffix: `p${hhmm(now, s.timezone).replace(':', '')}`,
      });
    }
    switch (out.status) {
      case 'posted':
        return this.done(
          'Question posted',
          `Posted a question in ${where}; it closes at ${hhmm(out.closesAt, s.timezone)} (${s.timezone}).`,
        );
      case 'taken':
      case 'busy':
        return { text: `A question was just posted in ${where}.`, private: true, tone: 'info' };
      case 'skipped':
        return bad(out.reason);
      default:
        return noticeView(
          'internal',
          `Posting to ${where} failed. Check that I may post there, then try again.`,
        );
    }
  }

  // ---- rounds -----------------------------------------------------------------------------

  /**
   * Opens the channel's round of a local date: claims it (exactly once per round id across
   * processes), picks a card not yet asked in this cycle, shuffles the choices, posts it and
   * records the post. Round trips: schedule, asked cards, claim script, post, record script.
   */
  async openRound(
    team: TeamRef,
    channelId: string,
    date: string,
    opts: OpenOptions = {},
  ): Promise<OpenOutcome> {
    const now = opts.now ?? this.clock.now();
    const owner = opts.owner ?? this.owner;
    const roundId = roundIdFor(channelId, date, opts.suffix);
    const s = await this.store.getSchedule(team, channelId);
    if (!s)
      return {
        status: 'skipped',
        roundId,
        reason: `No daily quiz is scheduled in ${mention(team.platform, channelId)}.`,
      };
    const deck = this.decks.get(s.deckId);
    const cards = deck?.cards.filter((c) => c.quiz.length > 0) ?? [];
    if (!deck || cards.length === 0) {
      return {
        status: 'skipped',
        roundId,
        reason: `Deck \`${s.deckId}\` is not loaded or has no questions.`,
      };
    }
    const chat = this.opts.chat(team.platform);
    if (!chat) return { status: 'skipped', roundId, reason: `No ${team.platform} connection to post with.` };
    const closesAt = opts.postNow ? closeAt(s, now) : occurrenceOn(s, date).close;
    if (closesAt <= now) return { status: 'skipped', roundId, reason: 'The round’s window has passed.' };

    const asked = await this.store.askedCards(team, channelId, deck.id);
    let fresh = cards.filter((c) => !asked.has(c.id));
    const resetAsked = fresh.length === 0;
    if (resetAsked) fresh = cards;
    const rng = seededRandom(drawSeed(this.random));
    const card = fresh[pick(rng, fresh.length)] as DeckCard;
    const form = pick(rng, card.quiz.length);
    const q = card.quiz[form] as DeckCard['quiz'][number];
    const order = shuffle(
      q.choices.map((_, i) => i),
      rng,
    ).slice(0, LETTERS.length);
    const answerAt = q.choices.indexOf(q.answer);
    const round: DailyRound = {
      roundId,
      channelId,
      date,
      deckId: deck.id,
      cardId: card.id,
      form,
      order,
      correct: Math.max(0, order.indexOf(answerAt)),
      opensAt: now,
      closesAt,
      prevDate: previousScheduledDate(s.weekdays, date),
      status: 'open',
      message: null,
      revealed: false,
    };
    const { maxAttempts, leaseMs, keepMs } = this.settings;
    const claim = await this.store.claimRound(team, round, { owner, now, leaseMs, maxAttempts, keepMs });
    if (claim.status === 'posted') return { status: 'taken', roundId };
    if (claim.status === 'busy') return { status: 'busy', roundId, until: claim.until };
    if (claim.status === 'failed') return { status: 'failed', roundId, attempts: claim.attempts };

    // Indexed before posting, so a crash after the post still closes the round.
    await this.store.setDue({ kind: 'close', team, roundId }, closesAt);
    let message: MessageRef;
    try {
      message = await chat.post(channelId, this.questionView(deck, card, round, s.timezone));
    } catch (error) {
      const final = claim.attempt >= maxAttempts;
      await this.store.failPost(team, roundId, owner, claim.attempt, final, keepMs);
      this.log.warn(
        { err: error, team, channelId, roundId, attempt: claim.attempt, final },
        'daily post failed',
      );
      return final
        ? { status: 'failed', roundId, attempts: claim.attempt, error }
        : { status: 'retry', roundId, attempt: claim.attempt, error };
    }
    const rec = await this.store.recordPost(team, round, {
      owner,
      attempt: claim.attempt,
      message,
      resetAsked,
      keepMs,
    });
    if (rec === 'lost')
      this.log.warn({ team, channelId, roundId }, 'daily post recorded after its claim lapsed');
    return { status: 'posted', roundId, message, closesAt };
  }

  /**
   * Closes a round: one idempotent script awards the points (a second close awards nothing),
   * then the post is edited to show the answer and the results, unless it shows them already.
   */
  async closeRound(team: TeamRef, roundId: string, opts: { now?: number } = {}): Promise<CloseReport> {
    const now = opts.now ?? this.clock.now();
    const date = roundDate(roundId);
    if (!date) return { status: 'unknown', revealed: true, failures: 0 };
    const { points, speedBonus, fastest, keepMs } = this.settings;
    const out = await this.store.closeRound(team, roundId, {
      now,
      boards: boardsFor(date),
      points,
      bonus: speedBonus,
      fastest,
      keepMs,
    });
    if (out.status === 'unknown') return { status: 'unknown', revealed: true, failures: 0 };
    const { round, result } = out;
    if (round.revealed) return { status: out.status, revealed: true, failures: 0 };
    if (!round.message) {
      await this.store.noteReveal(team, roundId, true);
      return { status: out.status, revealed: true, failures: 0 };
    }
    const chat = this.opts.chat(team.platform);
    try {
      if (!chat) throw new Error(`no ${team.platform} chat port`);
      await chat.update(round.message, this.resultView(team.platform, round, result));
    } catch (error) {
      const failures = await this.store.noteReveal(team, roundId, false);
      this.log.warn({ err: error, team, roundId, failures }, 'daily results edit failed');
      return { status: out.status, revealed: false, failures, error };
    }
    await this.store.noteReveal(team, roundId, true);
    return { status: out.status, revealed: true, failures: 0 };
  }

  // ---- answers ----------------------------------------------------------------------------

  /** A daily answer: one store round trip, always a private reply. */
  async answer(actor: Actor, roundId: string, choice: number): Promise<ActionResult> {
    const reply = (view: View): ActionResult => ({ mode: 'reply', view });
    if (!actor.team) return reply(noticeView('unknown_round'));
    const now = this.clock.now();
    const out = await this.store.answer(
      actor.team,
      roundId,
      actor.user.userId,
      choice,
      now,
      actor.displayName ?? null,
      requestKey(actor.requestId),
    );
    switch (out.status) {
      case 'unknown':
        return reply(noticeView('unknown_round'));
      case 'closed':
        return reply(noticeView('round_closed'));
      case 'bad_choice':
        return reply(noticeView('bad_action'));
      case 'already': {
        const picked = this.choiceText(out.round, out.choice);
        return reply(noticeView('already_answered', picked ? `Your answer: **${picked}**` : undefined));
      }
      case 'accepted':
        // A re-delivered click (another replica, a platform retry) gets what the first delivery got.
        if (out.repeat)
          this.log.debug(
            { team: actor.team, roundId, user: actor.user.userId },
            'daily answer delivered again: answered as the first time',
          );
        return reply(this.answerView(out.round, out.choice, out.at));
    }
  }

  private card(round: DailyRound): { deck: Deck; card: DeckCard; q: DeckCard['quiz'][number] } | null {
    const deck = this.decks.get(round.deckId);
    const card = this.decks.card(round.deckId, round.cardId);
    const q = card?.quiz[round.form];
    return deck && card && q ? { deck, card, q } : null;
  }

  private choiceText(round: DailyRound, display: number): string | null {
    const c = this.card(round);
    const text = c?.q.choices[round.order[display] ?? -1];
    return text === undefined ? null : `${LETTERS[display]}. ${text}`;
  }

  /** The private reply to an accepted answer given at `at` (the recorded time, so a repeat reads the same). */
  private answerView(round: DailyRound, choice: number, at: number): View {
    const c = this.card(round);
    const footer = `Points are awarded when the question closes (in ${shortDuration(round.closesAt - at)}).`;
    if (!c) return { text: 'Your answer is recorded.', private: true, tone: 'info', footer };
    const right = choice === round.correct;
    const answer = this.choiceText(round, round.correct) ?? c.q.answer;
    const why = c.card.explanation ?? c.card.back;
    const head = right
      ? `✅ Right: **${answer}**`
      : `❌ Not quite: you picked **${this.choiceText(round, choice) ?? '?'}**. The answer is **${answer}**.`;
    return {
      text: withSource(`${head}\n\n${why}`, c.card.source, 3000),
      private: true,
      tone: right ? 'success' : 'error',
      footer,
    };
  }

  // ---- leaderboards -----------------------------------------------------------------------

  /**
   * The team leaderboard of the current period (in the team's timezone) or of a named one
   * (`2024-W13`, `2024-03`): top 10 plus the caller's rank, and the caller's streak.
   */
  async leaderboard(actor: Actor, period: Period, key?: string): Promise<View> {
    const team = actor.team;
    if (!team)
      return bad('Leaderboards belong to a team: use this command in a server or workspace channel.');
    const now = this.clock.now();
    const tz = (await this.store.teamTimezone(team)) ?? 'UTC';
    const today = localDate(now, tz);
    const board = key === undefined ? boardId(period, today) : boardOfKey(period, key);
    if (!board) {
      return bad(
        `\`${key}\` is not a ${period} period: use a week like \`2024-W13\` or a month like \`2024-03\`.`,
      );
    }
    const [page, streak, schedules] = await Promise.all([
      this.store.leaderboard(team, board, actor.user.userId, LEADERBOARD_SIZE),
      this.store.streak(team, actor.user.userId),
      this.store.listSchedules(team),
    ]);
    return renderLeaderboard({
      platform: team.platform,
      board,
      page,
      userId: actor.user.userId,
      streak: this.liveStreak(streak, schedules, now),
    });
  }

  /** A streak is current while its last date is not older than some schedule's previous quiz day. */
  private liveStreak(streak: Streak | null, schedules: ChannelSchedule[], now: number): Streak | null {
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

  // ---- views ------------------------------------------------------------------------------

  private choiceLines(q: DeckCard['quiz'][number], round: DailyRound, reveal: boolean): string[] {
    return round.order.map((ci, i) => {
      const text = q.choices[ci] ?? '';
      if (!reveal) return `**${LETTERS[i]}.** ${text}`;
      return i === round.correct ? `✅ **${LETTERS[i]}. ${text}**` : `▫️ ${LETTERS[i]}. ${text}`;
    });
  }

  /** The public question post: the question, the choices and one button per choice (5 a row). */
  questionView(deck: Deck, card: DeckCard, round: DailyRound, tz: string): View {
    const q = card.quiz[round.form] as DeckCard['quiz'][number];
    const buttons: ViewButton[] = round.order.map((ci, i) => ({
      actionId: encodeAction({ kind: 'answer', roundId: round.roundId, choice: i }),
      label: truncate(`${LETTERS[i]}. ${q.choices[ci] ?? ''}`, 75, '…'),
      style: 'secondary',
    }));
    return {
      title: `Daily quiz · ${deck.title}`,
      text: truncate(`${q.question}\n\n${this.choiceLines(q, round, false).join('\n')}`, 2900),
      buttons: chunk(buttons, 5),
      private: false,
      tone: 'info',
      footer: `Your first answer counts · closes at ${hhmm(round.closesAt, tz)} (${tz})`,
    };
  }

  /** The edited post after closing: the answer revealed, counts, share right, fastest. */
  resultView(platform: Platform, round: DailyRound, result: RoundResult): View {
    const c = this.card(round);
    const share = result.answered === 0 ? 0 : Math.round((100 * result.right) / result.answered);
    const fastest = result.fastest.map(
      (w, i) =>
        `${i + 1}. ${displayName(platform, w.userId, w.name)} · ${took(w.at - round.opensAt)} · +${w.points}`,
    );
    const fields = [
      { name: 'Answered', value: String(result.answered), inline: true },
      { name: 'Right', value: `${share}% (${result.right}/${result.answered})`, inline: true },
      { name: 'Fastest', value: fastest.length ? fastest.join('\n') : 'nobody this time', inline: false },
    ];
    if (!c) {
      return {
        title: 'Daily quiz · closed',
        text: 'This question is closed.',
        fields,
        private: false,
        tone: 'info',
      };
    }
    const why = c.card.explanation ?? c.card.back;
    return {
      title: `Daily quiz · ${c.deck.title} · closed`,
      text: withSource(
        `${c.q.question}\n\n${this.choiceLines(c.q, round, true).join('\n')}\n\n${why}`,
        c.card.source,
        2900,
      ),
      fields,
      private: false,
      tone: 'success',
      footer: 'Closed · points are on the leaderboard',
    };
  }
}
