import type { TeamRef, UserRef } from './ports.js';
import type { View } from './views.js';

/** Who is acting, as the adapter established it from the platform event. */
export interface Actor {
  /** The user. */
  user: UserRef;
  /** The team (guild / workspace) the event came from; null in DMs and the terminal. */
  team: TeamRef | null;
  /** Whether the platform says this user may administer the team (Manage Server, workspace admin). */
  isAdmin: boolean;
  /** Display name for leaderboards and results. */
  displayName?: string;
  /**
   * Stable id of the platform event (Discord interaction id, Slack trigger_id/action_ts), so a
   * re-delivered event is recognised: a daily answer delivered twice answers like the first time.
   */
  requestId?: string;
  /**
   * The message a clicked button sits on, as the platform reports it. A daily answer is accepted
   * only for the round posted in that channel as that message, so an edited action id cannot
   * answer another round.
   */
  source?: { channelId: string; messageId: string };
}

/** What an adapter does with an action's result. */
export type ActionResult =
  /** Replace the message the button sits on (self-review steps). */
  | { mode: 'update'; view: View }
  /** Answer privately, leaving the message as it is (daily answers, refusals). */
  | { mode: 'reply'; view: View };

/** Leaderboard periods: this or last ISO week, this or last month, all time. */
export type Period = 'week' | 'last-week' | 'month' | 'last-month' | 'all';

/** Admin commands on channel schedules. */
export type AdminCommand =
  | {
      kind: 'schedule';
      channelId: string;
      deckId: string;
      /** Local time `HH:MM`. */
      time: string;
      /** IANA timezone. */
      timezone: string;
      /** Weekdays, e.g. `mon-fri`, `mon,wed,fri`; default Monday to Friday. */
      weekdays?: string;
      /** Close after a duration (`8h`, `90m`) or at a local time (`17:00`); default 8h. */
      close?: string;
    }
  | { kind: 'unschedule'; channelId: string }
  | { kind: 'list' }
  | { kind: 'pause'; channelId: string }
  | { kind: 'resume'; channelId: string }
  | { kind: 'post-now'; channelId: string }
  /** A private one-time sign-in link to the web dashboard (handled by QuizEngine, not the team side). */
  | { kind: 'dashboard' }
  /** Delete all of the team's data, after a confirmation button (handled by QuizEngine). */
  | { kind: 'forget-team' }
  /** Team insights, private to admins (handled by the insights service). */
  | { kind: 'insights' }
  /** Drops the team's fitted FSRS parameters (handled by the insights service). */
  | { kind: 'fsrs-reset' };

/** Every admin command kind, in the order the adapters list them (Discord subcommands, Slack help). */
export const ADMIN_KINDS = [
  'schedule',
  'unschedule',
  'list',
  'pause',
  'resume',
  'post-now',
  'dashboard',
  'insights',
  'fsrs-reset',
  'forget-team',
] as const satisfies readonly AdminCommand['kind'][];

/** The logging the engine needs; a pino logger fits it. */
export interface Logger {
  /** Something failed; `obj.err` carries the cause. */
  error(obj: object, msg: string): void;
  /** Something odd but handled. */
  warn(obj: object, msg: string): void;
  /** Noteworthy event. */
  info(obj: object, msg: string): void;
  /** Detail for debugging. */
  debug(obj: object, msg: string): void;
}

/** A logger that drops everything (tests, terminal). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
