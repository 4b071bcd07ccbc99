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
  /** Removes a channel's schedule and its no-repeat cycle; false when there was none. */
  deleteSchedule(team: TeamRef, channelId: string): Promise<boolean>;
  /** The team's timezone (of its last schedule change), or null. */
  teamTimezone(team: TeamRef): Promise<string | null>;
  /** Teams with a schedule or an open round (for catch-up on start). */
  teams(): Promise<TeamRef[]>;
  /** Card ids asked in this channel's current no-repeat cycle of a deck. */
  askedCards(team: TeamRef, channelId: string, deckId: string): Promise<Set<string>>;
  /**
   * One round trip: atomically claims a round for posting. The first claim writes `round`; every
   * later one (a retry, a takeover after a lapsed lease) returns the stored round unchanged and
   * keeps its answers. A round already posted (or closed) is `posted`.
   */
  claimRound(team: TeamRef, round: DailyRound, lease: ClaimLease): Promise<ClaimOutcome>;
  /**
   * One round trip: moves the lease end of the claim to `until`; 'lost' unless `generation` holds
   * it with a lease not yet ended at `now` (a lapsed lease is lost, even before anyone takes over).
   */
  renewClaim(
    team: TeamRef,
    roundId: string,
    generation: number,
    now: number,
    until: number,
  ): Promise<'ok' | 'lost'>;
  /**
   * One round trip: marks a claimed round posted, with its message; 'lost' unless `post.generation`
   * holds the claim. 'late' when the round closed while the post was in flight: the message is
   * recorded and its results edit re-armed (the next close makes it), but the round is not open.
   */
  recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'late' | 'lost'>;
  /**
   * One round trip: marks an attempt failed, retryable or `final`; 'lost' unless `generation` holds
   * the claim. A `rateLimited` attempt (nothing was sent) is never final and does not count as an
   * attempt: later claims' `attempt` and the max-attempts bound leave it out.
   */
  failPost(
    team: TeamRef,
    roundId: string,
    generation: number,
    final: boolean,
    keepMs: number,
    rateLimited?: boolean,
  ): Promise<'ok' | 'lost'>;
  /**
   * One round trip: accepts an admin's post-now of a channel unless another was accepted within
   * `windowMs` of `now` (so a double click or one command on two replicas posts once).
   */
  markPostNow(team: TeamRef, channelId: string, now: number, windowMs: number): Promise<boolean>;
  /**
   * One round trip: takes back the post-now mark made at `now` when nothing was posted (skipped,
   * retry, failed), so trying again is not refused as "just posted"; a later mark is left alone.
   */
  releasePostNow(team: TeamRef, channelId: string, now: number, windowMs: number): Promise<void>;
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
  /**
   * Idempotent: closes the round and awards points and streaks once, however often it is called
   * (also concurrently). Everything is computed before the first write; a large round (Redis: more
   * than 250 answers) is applied in chunks, and a close cut off between chunks is finished by the
   * next call. A round past its lifetime at `awards.now` is `unknown` (and leaves the open index).
   */
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
