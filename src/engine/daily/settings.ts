import type { Logger } from '../api.js';
import type { DeckSet } from '../deck/types.js';
import type { ChatPort, Clock, MessageRef, Platform, TeamStore } from '../ports.js';
import { MAX_CLOSE_MINUTES } from '../schedule.js';
import type { Random } from '../shuffle.js';

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
  /** How often a post in flight renews its claim's lease, ms (shorter than the lease; default a fifth of it). */
  renewEveryMs: number;
  /** Timeout of every outbound platform call (post, results edit), ms (shorter than the lease; default two fifths of it). */
  postTimeoutMs: number;
  /** Post-now commands of a channel within this window of an accepted one post nothing, ms (at least a minute). */
  postNowWindowMs: number;
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
  renewEveryMs: 60_000,
  postTimeoutMs: 2 * 60_000,
  postNowWindowMs: 60_000,
  maxAttempts: 3,
  keepMs: 14 * 86_400_000,
  points: DAILY_POINTS.correct,
  speedBonus: [...DAILY_POINTS.speedBonus],
  fastest: 3,
};

/**
 * The settings with overrides, checked: a post must time out and renew its lease before the lease
 * ends (else another process takes over a live post), and post-now's window must cover the minute
 * that names an extra round. Throws naming the setting.
 */
export function dailySettings(overrides: Partial<DailySettings> = {}): DailySettings {
  const leaseMs = overrides.leaseMs ?? DAILY_DEFAULTS.leaseMs;
  const s = {
    ...DAILY_DEFAULTS,
    renewEveryMs: Math.round(leaseMs / 5),
    postTimeoutMs: Math.round((leaseMs * 2) / 5),
    ...overrides,
  };
  const positive = ['leaseMs', 'renewEveryMs', 'postTimeoutMs', 'postNowWindowMs', 'maxAttempts'] as const;
  for (const k of positive)
    if (!(s[k] > 0)) throw new Error(`daily settings: ${k} must be positive, got ${s[k]}`);
  if (s.postTimeoutMs >= s.leaseMs)
    throw new Error(
      `daily settings: postTimeoutMs (${s.postTimeoutMs}) must be shorter than leaseMs (${s.leaseMs})`,
    );
  if (s.renewEveryMs >= s.leaseMs)
    throw new Error(
      `daily settings: renewEveryMs (${s.renewEveryMs}) must be shorter than leaseMs (${s.leaseMs})`,
    );
  // Every claim of a round happens before its close, at most MAX_CLOSE_MINUTES after its first
  // claim: a claim living longer never expires (restarting its generation) while the round can post.
  if (!(s.keepMs > MAX_CLOSE_MINUTES * 60_000))
    throw new Error(
      `daily settings: keepMs (${s.keepMs}) must be longer than the longest round (${MAX_CLOSE_MINUTES} minutes)`,
    );
  if (s.postNowWindowMs < 60_000)
    throw new Error(`daily settings: postNowWindowMs (${s.postNowWindowMs}) must be at least a minute`);
  return s;
}

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
  /**
   * Fires when the caller gives the opening up (its work item timed out): the post call is aborted
   * and nothing more is written (the call rejects with the signal's reason); the claim stays as it
   * is, so the next attempt, after the lease, takes it over and posts the same round idempotently.
   */
  signal?: AbortSignal;
}

/** Options of {@link DailyService.closeRound}. */
export interface CloseOptions {
  /** Current time; default the clock. */
  now?: number;
  /**
   * Fires when the caller gives the close up: no further close chunk, results edit or reveal
   * mark is written (the call rejects with the signal's reason); the next close resumes.
   */
  signal?: AbortSignal;
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

/** What the daily functions share: the parts of a {@link DailyService}, defaults resolved. */
export interface DailyDeps {
  store: TeamStore;
  decks: DeckSet;
  clock: Clock;
  chat: (platform: Platform) => ChatPort | undefined;
  random: Random;
  log: Logger;
  settings: DailySettings;
  /** Claim owner id of this process. */
  owner: string;
}
