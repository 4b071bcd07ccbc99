import { decodeAction, ownerTag } from './actions.js';
import type { ActionResult, Actor, AdminCommand, Logger, Period } from './api.js';
import { silentLogger } from './api.js';
import { deckArg } from './args.js';
import type { DeckSet } from './deck/types.js';
import { codeOf, isFailure, QuizError, type QuizErrorCode } from './errors.js';
import type { ForgetReport } from './forget.js';
import { forgetCancelledView, forgetConfirmView, forgetDoneView } from './forget-views.js';
import type { InsightsService } from './insights/service.js';
import type { TeamRef, UserRef } from './ports.js';
import type { ReviewService } from './review.js';
import type { TeamForgetting } from './team-forget.js';
import { errorView, noticeView, refusalView, truncate, type View } from './views.js';

/** `/decks`: a description is cut to this many characters, the whole list to a Slack section. */
const DESCRIPTION_MAX = 120;
const DECKS_TEXT_MAX = 2900;

/** The team side the engine delegates to (implemented by DailyService). */
export interface TeamSide {
  /** Admin commands on channel schedules; refuses non-admins. */
  admin(actor: Actor, cmd: AdminCommand): Promise<View>;
  /** A daily-quiz answer; always a private reply. */
  answer(actor: Actor, roundId: string, choice: number): Promise<ActionResult>;
  /** The team leaderboard for a period: top 10 plus the caller's rank. */
  leaderboard(actor: Actor, period: Period): Promise<View>;
}

/** Options of {@link QuizEngine}. */
export interface QuizEngineOptions {
  /** Self-review. */
  review: ReviewService;
  /** Loaded decks. */
  decks: DeckSet;
  /** Daily quizzes and leaderboards; without it those commands answer that they are off. */
  daily?: TeamSide;
  /**
   * Makes a one-time dashboard sign-in link for an admin of a team; null (or absent) when the
   * dashboard is not served (PUBLIC_URL unset).
   */
  dashboardLink?: (team: TeamRef, user: UserRef) => Promise<string | null>;
  /** Whole-team deletion (`forget-team`); without it the command answers that it is off. */
  forgetting?: TeamForgetting;
  /** Team insights and the FSRS reset; without it those commands answer that they are off. */
  insights?: Pick<InsightsService, 'insights' | 'resetFsrs'>;
  /** Deletes everything kept about a user (`/forget-me`); without it the command answers that it is off. */
  forget?: (user: UserRef) => Promise<ForgetReport>;
  /** Where failures are logged with their cause. */
  log?: Logger;
  /** Called with the code of each failure (metrics). */
  onFailure?: (code: QuizErrorCode) => void;
  /** Called after every command and button with its latency and outcome (metrics). */
  observe?: (e: { platform: string; kind: string; ms: number; outcome: 'ok' | 'refused' | 'error' }) => void;
}

/**
 * The one entry point adapters call. Every method resolves to a view: expected refusals are
 * views with a code, and infrastructure failures are logged here (once, for every platform)
 * and turned into a private error view, so an adapter can always answer the user.
 */
export class QuizEngine {
  private readonly log: Logger;
  private inFlight = 0;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: QuizEngineOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** The loaded decks, for autocomplete. */
  deckIds(): string[] {
    return this.opts.decks.list().map((d) => d.id);
  }

  /** `/decks`: every loaded deck with its card count (and a short description). */
  decks(): View {
    const decks = this.opts.decks.list();
    if (decks.length === 0) return { text: 'No decks are loaded.', private: true, tone: 'warning' };
    const cards = (n: number) => `${n} card${n === 1 ? '' : 's'}`;
    // One short line a deck, so a long list still fits a Slack section (3000) or an embed (4096).
    const lines = decks.map(
      (d) =>
        `• **${d.id}** — ${d.title} (${cards(d.cards.length)})` +
        (d.description ? `: ${truncate(d.description.replace(/\s+/g, ' '), DESCRIPTION_MAX, '…')}` : ''),
    );
    return {
      title: 'Decks',
      text: truncate(lines.join('\n'), DECKS_TEXT_MAX),
      private: true,
      footer: `${cards(decks.reduce((n, d) => n + d.cards.length, 0))} in ${decks.length} deck${decks.length === 1 ? '' : 's'}`,
    };
  }

  /** `/review [deck]`. */
  review(actor: Actor, deckId?: string | null): Promise<View> {
    return this.command('review', actor, () => this.opts.review.start(actor, deckArg(deckId)));
  }

  /** `/stats [deck]`. */
  stats(actor: Actor, deckId?: string | null): Promise<View> {
    return this.command('stats', actor, () => this.opts.review.stats(actor, deckArg(deckId)));
  }

  /** `/settings timezone [zone]` (Discord), `/quiz settings timezone [zone]` (Slack): private. */
  timezone(actor: Actor, zone?: string | null): Promise<View> {
    return this.command('settings-timezone', actor, () => this.opts.review.timezone(actor, zone));
  }

  /** `/leaderboard [period]` in the actor's team. */
  leaderboard(actor: Actor, period: Period = 'week'): Promise<View> {
    return this.command('leaderboard', actor, () => this.team(actor).leaderboard(actor, period));
  }

  /** `/forget-me`: a private confirmation; the data goes only when its button is pressed. */
  forgetMe(actor: Actor): Promise<View> {
    return this.command('forget-me', actor, async () => forgetConfirmView(actor));
  }

  /** `/quiz-admin ...` in the actor's team. */
  admin(actor: Actor, cmd: AdminCommand): Promise<View> {
    if (cmd.kind === 'dashboard') return this.command('admin-dashboard', actor, () => this.dashboard(actor));
    if (cmd.kind === 'forget-team')
      return this.command('admin-forget-team', actor, async () => this.forgetting().confirmation(actor));
    if (cmd.kind === 'insights' || cmd.kind === 'fsrs-reset') {
      const insights = this.opts.insights;
      return this.command(`admin-${cmd.kind}`, actor, async () => {
        if (!insights) return noticeView('bad_argument', 'Team insights are not enabled on this bot.');
        return cmd.kind === 'insights' ? insights.insights(actor) : insights.resetFsrs(actor);
      });
    }
    const c = cmd.kind === 'schedule' ? { ...cmd, deckId: deckArg(cmd.deckId) ?? '' } : cmd;
    return this.command(`admin-${cmd.kind}`, actor, () => this.team(actor).admin(actor, c));
  }

  /** `/quiz-admin dashboard`: a private one-time sign-in link for a team admin. */
  private async dashboard(actor: Actor): Promise<View> {
    if (!actor.team) {
      return noticeView(
        'bad_argument',
        'The dashboard belongs to a team: use this command in a server or workspace channel.',
      );
    }
    if (!actor.isAdmin) return refusalView('not_admin', 'Only team admins can open the team dashboard.');
    const url = this.opts.dashboardLink ? await this.opts.dashboardLink(actor.team, actor.user) : null;
    if (!url) {
      return {
        text: 'The web dashboard is not enabled on this bot (its operator sets PUBLIC_URL to turn it on).',
        private: true,
        tone: 'warning',
      };
    }
    return {
      title: 'Dashboard',
      text: `Your sign-in link, only for you: valid for 10 minutes, once.\n${url}`,
      private: true,
      tone: 'info',
    };
  }

  /** A button press, by its action id. Tampered or stale ids are refused with a private notice. */
  action(actor: Actor, actionId: string): Promise<ActionResult> {
    return this.observed('button', actor, async () => {
      const r: ActionResult = this.closing
        ? { mode: 'reply', view: noticeView('shutting_down') }
        : await this.dispatch(actor, actionId);
      return [r, r.view] as const;
    });
  }

  /** Calls under way right now (for graceful shutdown). */
  get busy(): number {
    return this.inFlight;
  }

  /** Stops taking new calls (each gets a "restarting" notice); calls under way go on. */
  close(): void {
    this.closing = true;
  }

  /** Resolves true when no call is under way, or false after `ms`. */
  drain(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private forgetting(): TeamForgetting {
    if (!this.opts.forgetting)
      throw new QuizError('bad_argument', 'team data deletion is not set up in this process');
    return this.opts.forgetting;
  }

  private team(actor: Actor): TeamSide {
    if (!this.opts.daily || !actor.team) {
      throw new QuizError(
        'bad_argument',
        'team commands need a team (server or workspace) and the daily service',
      );
    }
    return this.opts.daily;
  }

  private command(kind: string, actor: Actor, fn: () => Promise<View>): Promise<View> {
    return this.observed(kind, actor, async () => {
      const v = this.closing ? noticeView('shutting_down') : await this.guarded(kind, actor, fn);
      return [v, v] as const;
    });
  }

  /** Counts the call as in flight (graceful shutdown) and reports its latency and outcome. */
  private async observed<T>(kind: string, actor: Actor, fn: () => Promise<readonly [T, View]>): Promise<T> {
    this.inFlight++;
    const started = performance.now();
    try {
      const [result, view] = await fn();
      const outcome = !view.code ? 'ok' : view.tone === 'error' ? 'error' : 'refused';
      this.opts.observe?.({ platform: actor.user.platform, kind, ms: performance.now() - started, outcome });
      return result;
    } finally {
      if (--this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async dispatch(actor: Actor, actionId: string): Promise<ActionResult> {
    let action: ReturnType<typeof decodeAction>;
    try {
      action = decodeAction(actionId);
    } catch (err) {
      this.log.warn({ actionId: actionId.slice(0, 120), user: actor.user }, 'refused action id');
      return { mode: 'reply', view: errorView(err) };
    }
    switch (action.kind) {
      case 'reveal':
        return this.update('reveal', actor, () => this.opts.review.reveal(actor, action));
      case 'grade':
        return this.update('grade', actor, () => this.opts.review.grade(actor, action));
      case 'next':
        return this.update('next', actor, () => this.opts.review.start(actor, action.deckId));
      case 'forget': {
        // Only the user who asked: the view is private, but an action id can be replayed.
        if (action.owner !== ownerTag(actor.user)) return { mode: 'reply', view: noticeView('bad_action') };
        const forget = this.opts.forget;
        if (!action.confirm) return { mode: 'update', view: forgetCancelledView() };
        return this.update('forget', actor, async () => {
          if (!forget) throw new QuizError('internal', 'no store to delete user data from');
          const report = await forget(actor.user);
          this.log.info({ user: actor.user, report }, 'user data deleted on request');
          return forgetDoneView(report);
        });
      }
      case 'answer': {
        const daily = this.opts.daily;
        if (!daily || !actor.team) return { mode: 'reply', view: noticeView('unknown_round') };
        let result: ActionResult | undefined;
        const view = await this.guarded('answer', actor, async () => {
          result = await daily.answer(actor, action.roundId, action.choice);
          return result.view;
        });
        return result && result.view === view ? result : { mode: 'reply', view };
      }
      case 'forget-team': {
        const view = await this.guarded('forget-team', actor, () =>
          this.forgetting().confirmed(actor, action.owner),
        );
        return { mode: 'reply', view };
      }
    }
  }

  private async update(what: string, actor: Actor, fn: () => Promise<View>): Promise<ActionResult> {
    const view = await this.guarded(what, actor, fn);
    // Refusals go privately beside the message; the review message itself stays as it was.
    return view.code ? { mode: 'reply', view } : { mode: 'update', view };
  }

  /** Runs one engine call: refusals become notices, failures are logged and become error views. */
  private async guarded(what: string, actor: Actor, fn: () => Promise<View>): Promise<View> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof QuizError && !isFailure(err.code)) {
        return noticeView(err.code);
      }
      this.log.error({ err, what, user: actor.user }, `${what} failed`);
      this.opts.onFailure?.(codeOf(err));
      return errorView(err);
    }
  }
}
