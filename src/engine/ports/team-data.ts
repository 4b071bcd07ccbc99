import type { MessageRef, TeamRef } from './refs.js';

/** How a daily round closes: a duration after it opens, or at a local wall-clock time. */
export type CloseRule =
  /** Close `minutes` after the round opens (absolute time, so DST does not stretch it). */
  | { kind: 'after'; minutes: number }
  /** Close at local `HH:MM` (the next day when not after the opening time). */
  | { kind: 'at'; time: string };

/** The daily-quiz schedule of one channel. */
export interface ChannelSchedule {
  /** Channel id the quiz is posted to. */
  channelId: string;
  /** Deck the questions come from. */
  deckId: string;
  /** Local posting time `HH:MM`. */
  time: string;
  /** Canonical IANA timezone of `time`. */
  timezone: string;
  /** ISO weekdays the quiz runs on (1 Monday .. 7 Sunday), sorted, never empty. */
  weekdays: number[];
  /** When a round closes. */
  close: CloseRule;
  /** Paused schedules post nothing until resumed. */
  paused: boolean;
  /** User id of the admin who last changed it. */
  updatedBy: string;
  /** When it last changed, ms. */
  updatedAt: number;
}

/** One daily round as stored in the team's slot. */
export interface DailyRound {
  /** Round id (also inside the answer buttons), `<channel>-<yyyymmdd>[-<suffix>]`. */
  roundId: string;
  /** Channel it is posted to. */
  channelId: string;
  /** Local date (`YYYY-MM-DD`, schedule timezone) the round belongs to. */
  date: string;
  /** Deck id. */
  deckId: string;
  /** Card id. */
  cardId: string;
  /** Index of the card's quiz form used. */
  form: number;
  /** Display order: `order[i]` is the index in the form's `choices` shown as button i. */
  order: number[];
  /** Display index of the correct choice. */
  correct: number;
  /** When it opened, ms (speed is measured from here). */
  opensAt: number;
  /** When it stops taking answers, ms. */
  closesAt: number;
  /** Previous scheduled local date before `date` (streak continuity), or null. */
  prevDate: string | null;
  /** Whether answers are still taken. */
  status: 'open' | 'closed';
  /** The posted message, once posted. */
  message: MessageRef | null;
  /** Whether the post was edited to show the results. */
  revealed: boolean;
}

/** A correct answerer in a round's results. */
export interface RoundWinner {
  /** User id. */
  userId: string;
  /** Display name stored with the answer, or null. */
  name: string | null;
  /** Answer time, ms. */
  at: number;
  /** Points awarded. */
  points: number;
}

/** The outcome of a closed round. */
export interface RoundResult {
  /** How many answered. */
  answered: number;
  /** How many answered right. */
  right: number;
  /** The fastest correct answerers, fastest first (ties by user id). */
  fastest: RoundWinner[];
  /**
   * How many picked each displayed choice (index = button position, trailing unpicked choices may
   * be left out); absent for rounds closed before it was recorded.
   */
  picks?: number[] | undefined;
}

/** What claiming a round for posting found (the claim makes a post exactly-once). */
export type ClaimOutcome =
  /**
   * This caller holds the claim now. `generation` numbers the claims of the round (1 for the
   * first, one more for each retry or takeover; it is also the attempt number) and is the fencing
   * token of every write of this holder. `attempt` counts the attempts that count (a
   * rate-limited one does not, see {@link TeamStore.failPost}), this one included. `round` is the
   * round to post: as given to the first claim, and exactly the stored one for every later claim
   * (never re-picked, answers kept).
   */
  | { status: 'claimed'; generation: number; attempt: number; round: DailyRound }
  /** Another process holds an unexpired lease until `until` ms. */
  | { status: 'busy'; until: number }
  /** The round was posted already. */
  | { status: 'posted' }
  /** Posting failed for good after `attempts` tries. */
  | { status: 'failed'; attempts: number };

/** Lease parameters of a claim. */
export interface ClaimLease {
  /** Who claims (one id per process). Must not contain `|`. */
  owner: string;
  /** Current time, ms. */
  now: number;
  /** How long the claim protects a post in progress, ms. */
  leaseMs: number;
  /** After this many attempts the claim becomes `failed` instead of being taken again. */
  maxAttempts: number;
  /** How long rounds and claims are kept after closing, ms. */
  keepMs: number;
}

/** What a successful post records. */
export interface PostRecord {
  /** The claim's generation (fencing token): refused unless it is the current claim's. */
  generation: number;
  /** Where the post landed. */
  message: MessageRef;
  /** Start a new no-repeat cycle of the channel's deck before marking the card asked. */
  resetAsked: boolean;
  /** How long claims are kept, ms. */
  keepMs: number;
}

/** The outcome of one answer click. */
export type AnswerOutcome =
  /**
   * First answer of this user, recorded now; or, with `repeat`, the same request delivered again
   * (same request id): nothing written, `choice` and `at` are those recorded the first time.
   */
  | { status: 'accepted'; round: DailyRound; choice: number; at: number; repeat: boolean }
  /** The user answered before; `choice` is that first answer. */
  | { status: 'already'; choice: number; round: DailyRound }
  /** The round no longer takes answers. */
  | { status: 'closed' }
  /** The round was posted as another message than the one clicked (an edited action id). */
  | { status: 'mismatch' }
  /** No such round (never existed or expired). */
  | { status: 'unknown' }
  /** The choice index is not one of the round's buttons. */
  | { status: 'bad_choice' };

/** What closing a round awards, decided by the engine. */
export interface CloseAwards {
  /** Current time, ms. */
  now: number;
  /** Board ids the points go to: week, month, all time (see {@link TeamStore.leaderboard}). */
  boards: [week: string, month: string, all: string];
  /** Points for a correct answer. */
  points: number;
  /** Extra points for the first, second, ... correct answerer. */
  bonus: number[];
  /** How many fastest correct answerers to return. */
  fastest: number;
  /** How long the closed round is kept, ms. */
  keepMs: number;
  /**
   * Fires when the caller gave the close up (its work item timed out): no further chunk is written
   * and the call rejects with the signal's reason; the next close resumes from the next chunk.
   */
  signal?: AbortSignal;
}

/** The outcome of closing a round. */
export type CloseOutcome =
  /** Closed by this call: points awarded now. */
  | { status: 'closed'; round: DailyRound; result: RoundResult }
  /** Closed before: nothing awarded again. */
  | { status: 'already'; round: DailyRound; result: RoundResult }
  /** No such round. */
  | { status: 'unknown' };

/** One leaderboard line. */
export interface BoardEntry {
  /** User id. */
  userId: string;
  /** Stored display name, or null. */
  name: string | null;
  /** Points in the period. */
  points: number;
  /** Competition rank: equal points share a rank (1, 2, 2, 4). */
  rank: number;
}

/** A leaderboard page: the top and the caller. */
export interface BoardPage {
  /** Top entries, by points then user id descending (Redis' order for equal scores). */
  top: BoardEntry[];
  /** The caller's entry (also when outside the top), or null without points. */
  me: BoardEntry | null;
  /** How many users have points in the period. */
  total: number;
}

/** A user's daily-quiz streak in a team. */
export interface Streak {
  /** Consecutive scheduled days answered, up to `last`. */
  count: number;
  /** Local date of the last counted answer. */
  last: string;
  /** Longest streak ever. */
  best: number;
}

/** Work the scheduler finds in the due index. */
export type DueItem =
  /** Post the channel's next round. */
  | { kind: 'open'; team: TeamRef; channelId: string }
  /** Close a round. */
  | { kind: 'close'; team: TeamRef; roundId: string };

/** A due item and when it is due. */
export interface DueEntry {
  /** The work. */
  item: DueItem;
  /** Due time, ms. */
  at: number;
}
