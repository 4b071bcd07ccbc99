import type { View } from './views.js';

/** Platforms quizbot speaks on. */
export type Platform = 'discord' | 'slack' | 'terminal';

/** Injected time source: milliseconds since the epoch. */
export interface Clock {
  /** Current time in ms. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A user on one platform. */
export interface UserRef {
  /** Platform the user is on. */
  platform: Platform;
  /** Platform user id. */
  userId: string;
}

/** A team: a Discord server or a Slack workspace (or the local terminal). */
export interface TeamRef {
  /** Platform of the team. */
  platform: Platform;
  /** Guild id / workspace (team) id. */
  teamId: string;
}

/** Where a posted message lives, enough to edit it later. */
export interface MessageRef {
  /** Channel id. */
  channelId: string;
  /** Message id (Discord snowflake, Slack ts). */
  messageId: string;
}

/** Outbound side an adapter implements for the scheduler. */
export interface ChatPort {
  /** Posts a public view to a channel and returns where it landed. */
  post(channelId: string, view: View): Promise<MessageRef>;
  /** Replaces a posted message with a new view. */
  update(ref: MessageRef, view: View): Promise<void>;
}

/** What the review engine needs from a store for one card write. */
export interface GradeWrite {
  /** Whose schedule. */
  user: UserRef;
  /** Deck id. */
  deckId: string;
  /** Card id. */
  cardId: string;
  /** Packed state read before computing, or null for a new card; the write applies only if unchanged. */
  expected: string | null;
  /** New packed state. */
  next: string;
  /** New due time in ms. */
  due: number;
  /** Local study day (`YYYY-MM-DD`) the review counts for. */
  day: string;
  /** True when this review introduces a new card (counts against newPerDay). */
  isNew: boolean;
  /** For a card in review state: whether it was recalled (rating > Again); null otherwise. */
  recalled: boolean | null;
  /** Compact review log line. */
  log: string;
}

/** The moment a queue snapshot is taken for. */
export interface QueueQuery {
  /** Now, ms. */
  now: number;
  /** End of the local study day, ms (exclusive). */
  endOfDay: number;
  /** Local study day `YYYY-MM-DD`. */
  day: string;
}

/** The outcome of a grade and the queue right after it. */
export interface GradeAndQueue {
  /** Whether the grade applied. */
  outcome: 'applied' | 'conflict';
  /** The deck's queue after the grade. */
  queue: QueueSnapshot;
}

/** How many oldest due ids a queue snapshot carries. */
export const QUEUE_DUE_IDS = 16;

/** What the review store knows about one user's deck right now. */
export interface QueueSnapshot {
  /** The oldest due card id, or null. */
  dueCardId: string | null;
  /** Up to {@link QUEUE_DUE_IDS} oldest due card ids, oldest first (starting with dueCardId), so a card removed from its deck never blocks the ones behind it. */
  dueIds: string[];
  /** Cards due at `now`. */
  dueNow: number;
  /** Cards due before the end of the local day. */
  dueToday: number;
  /** Earliest due time in ms of any card, or null when the user has no cards. */
  nextDue: number | null;
  /** New cards introduced on this local day. */
  newToday: number;
  /** Number of cards the user has a state for. */
  known: number;
  /** Packed state of the oldest due card (saves a round trip on the hot path), or null. */
  dueState: string | null;
}

/** Per-day study counters. */
export interface DayCounters {
  /** Local day `YYYY-MM-DD`. */
  day: string;
  /** Reviews done. */
  reviews: number;
  /** Reviews of cards in review state (retention denominator). */
  recallTotal: number;
  /** Of those, recalled (retention numerator). */
  recallPassed: number;
}

/** Study data of users: card states, due queues, daily counters, review log. */
export interface ReviewStore {
  /** One round trip: the queue snapshot of a user's deck. */
  queue(user: UserRef, deckId: string, now: number, endOfDay: number, day: string): Promise<QueueSnapshot>;
  /** Packed state of one card, or null when the user never saw it. */
  getState(user: UserRef, deckId: string, cardId: string): Promise<string | null>;
  /** Ids of all cards the user has a state for in the deck. */
  knownCards(user: UserRef, deckId: string): Promise<Set<string>>;
  /** Atomically writes state, due queue, counters and log if the state is still `expected`. */
  applyGrade(write: GradeWrite): Promise<'applied' | 'conflict'>;
  /** applyGrade, then the queue snapshot of the same deck, in one round trip (the grade click's hot path). */
  applyGradeThenQueue(write: GradeWrite, q: QueueQuery): Promise<GradeAndQueue>;
  /** Counters for the given days (all decks when deckId is null), in the order asked. */
  dayCounters(user: UserRef, deckId: string | null, days: string[]): Promise<DayCounters[]>;
  /** Every user's data, for export. */
  exportUsers(): AsyncIterable<UserExport>;
  /** Restores one user's card states (each exported deck replaces that deck); validates before writing. */
  importUser(u: UserExport): Promise<void>;
}

/** One user's study data in portable form. */
export interface UserExport {
  /** The user. */
  user: UserRef;
  /** deckId -> cardId -> packed state. */
  decks: Record<string, Record<string, string>>;
}

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
}

/** What claiming a round for posting found (the claim makes a post exactly-once). */
export type ClaimOutcome =
  /** This caller holds the claim now (attempt 1 is the first try). */
  | { status: 'claimed'; attempt: number }
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
  /** Claim owner. */
  owner: string;
  /** Attempt number from the claim. */
  attempt: number;
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
   * of the user is `already`. Without `requestId` every later answer is `already`.
   */
  answer(
    team: TeamRef,
    roundId: string,
    userId: string,
    choice: number,
    now: number,
    name: string | null,
    requestId?: string,
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
