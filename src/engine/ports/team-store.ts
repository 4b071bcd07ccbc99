import type { TeamRef } from './refs.js';
import type {
  AnswerOutcome,
  BoardPage,
  ChannelSchedule,
  ClaimLease,
  ClaimOutcome,
  CloseAwards,
  CloseOutcome,
  DailyRound,
  DueEntry,
  DueItem,
  PostRecord,
  Streak,
} from './team-data.js';

/** Competition data of teams: schedules, rounds, answers, leaderboards, streaks, the due index. */
export interface TeamStore {
  /** Creates or replaces a channel's schedule, sets the team's timezone to its timezone and indexes the team. */
  putSchedule(team: TeamRef, schedule: ChannelSchedule): Promise<void>;
  /** One channel's schedule, or null. */
  getSchedule(team: TeamRef, channelId: string): Promise<ChannelSchedule | null>;
  /** All schedules of a team, by channel id. */
  listSchedules(team: TeamRef): Promise<ChannelSchedule[]>;
  /** Removes a channel's schedule; false when there was none. */
  deleteSchedule(team: TeamRef, channelId: string): Promise<boolean>;
  /** The team's timezone (of its last schedule change), or null. */
  teamTimezone(team: TeamRef): Promise<string | null>;
  /** Every team that ever had a schedule (for catch-up on start). */
  teams(): Promise<TeamRef[]>;
  /** Card ids asked in this channel's current no-repeat cycle of a deck. */
  askedCards(team: TeamRef, channelId: string, deckId: string): Promise<Set<string>>;
  /** Atomically claims a round for posting and, when claimed, writes it fresh (no answers). */
  claimRound(team: TeamRef, round: DailyRound, lease: ClaimLease): Promise<ClaimOutcome>;
  /** Marks a claimed round posted, with its message; 'lost' when the claim is no longer this owner's. */
  recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'lost'>;
  /** Marks a claimed post attempt failed: retryable, or `final` for good; 'lost' when not this owner's. */
  failPost(
    team: TeamRef,
    roundId: string,
    owner: string,
    attempt: number,
    final: boolean,
    keepMs: number,
  ): Promise<'ok' | 'lost'>;
  /** A round, or null. */
  getRound(team: TeamRef, roundId: string): Promise<DailyRound | null>;
  /** Open rounds (posted, not closed) of a team with their close times. */
  openRounds(team: TeamRef): Promise<{ roundId: string; closesAt: number }[]>;
  /**
   * One round trip: records a user's first answer if the round is open at `now`. The answer keeps
   * `requestId` (the platform event's stable id; at most 256 characters) so that the same event
   * delivered again (another replica, a platform retry) finds its own answer and is `accepted`
   * again with the recorded choice and time, even after the round closed; any other later answer
   * of the user is `already`. Without `requestId` every later answer is `already`. With
   * `messageId`, a round recorded as posted under another message id is a `mismatch` (nothing written).
   */
  answer(
    team: TeamRef,
    roundId: string,
    userId: string,
    choice: number,
    now: number,
    name: string | null,
    requestId?: string,
    messageId?: string,
  ): Promise<AnswerOutcome>;
  /** One round trip, idempotent: closes the round and awards points and streaks once. */
  closeRound(team: TeamRef, roundId: string, awards: CloseAwards): Promise<CloseOutcome>;
  /** Records a reveal edit: ok marks the round revealed; a failure counts and returns the failures so far. */
  noteReveal(team: TeamRef, roundId: string, ok: boolean): Promise<number>;
  /** One round trip: the top `n` of a board (`w:<YYYY-Www>`, `m:<YYYY-MM>`, `all`) plus the user's entry. */
  leaderboard(team: TeamRef, board: string, userId: string, n: number): Promise<BoardPage>;
  /** A user's streak in the team, or null. */
  streak(team: TeamRef, userId: string): Promise<Streak | null>;
  /** Due entries with `at <= upTo`, earliest first, at most `limit`. */
  dueEntries(upTo: number, limit: number): Promise<DueEntry[]>;
  /** Moves an entry to `until` only if it is still due at `at` (a compare-and-set lease); true when leased. */
  leaseDue(item: DueItem, at: number, until: number): Promise<boolean>;
  /** Sets when an item is due (adds it when absent; with `onlyIfAbsent` keeps an existing time). */
  setDue(item: DueItem, at: number, onlyIfAbsent?: boolean): Promise<void>;
  /** Removes an item from the due index. */
  removeDue(item: DueItem): Promise<void>;
}
