import type { TeamRef, UserRef } from './refs.js';

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
  /**
   * The team the review was done in (null in DMs and the terminal) and its line for the team's
   * review log (`engine/fsrs/log.ts`), the data FSRS parameters are fitted on. Written only when
   * the grade applies.
   */
  team?: { ref: TeamRef; line: string; at: number } | null;
}

/** What a grade needs to read first: the card's state and the FSRS weights to schedule with. */
export interface GradeRead {
  /** Packed state, or null for a card the user never saw. */
  state: string | null;
  /**
   * The team's fitted weights for the deck (its own, else the team's), or null for FSRS's defaults.
   * Read-only: the engine keeps a scheduler per array it is handed (ReviewService.scheduler).
   */
  w: readonly number[] | null;
  /** The user's study timezone (read in the same round trip), or null when they set none. */
  tz: string | null;
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
  queue: NextQueue;
}

/** How many oldest due ids a queue snapshot carries. */
export const QUEUE_DUE_IDS = 16;

/**
 * The queue as a grade click reads it with its write: when a card is due (`dueCardId` set), a store
 * may leave out (null) what only `/stats` shows, and may carry fewer due ids
 * (at least one); the click then shows a due card. Any {@link QueueSnapshot} is one.
 */
export type NextQueue = Omit<QueueSnapshot, 'dueToday' | 'known'> & {
  /** Cards due before the end of the local day; null when left out (a card is due). */
  dueToday: number | null;
  /** Number of cards the user has a state for; null when left out (a card is due). */
  known: number | null;
};

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
  /**
   * One round trip: the card's state and the weights to schedule it with (show answer and grade).
   * `team` null (DMs, terminal) always gets null weights.
   */
  readForGrade(user: UserRef, deckId: string, cardId: string, team: TeamRef | null): Promise<GradeRead>;
  /** Ids of all cards the user has a state for in the deck. */
  knownCards(user: UserRef, deckId: string): Promise<Set<string>>;
  /** Atomically writes state, due queue, counters and log if the state is still `expected`. */
  applyGrade(write: GradeWrite): Promise<'applied' | 'conflict'>;
  /** applyGrade, then the queue snapshot of the same deck, in one round trip (the grade click's hot path). */
  applyGradeThenQueue(write: GradeWrite, q: QueueQuery): Promise<GradeAndQueue>;
  /** One round trip: due times (ms) of the user's cards in these decks that fall due before `until`, ascending (the `/stats` forecast). */
  dueTimes(user: UserRef, deckIds: string[], until: number): Promise<number[]>;
  /** Counters for the given days (all decks when deckId is null), in the order asked. */
  dayCounters(user: UserRef, deckId: string | null, days: string[]): Promise<DayCounters[]>;
  /** One round trip: the user's study timezone (an IANA name), or null when they set none. */
  getTimezone(user: UserRef): Promise<string | null>;
  /** One round trip: sets (a canonical IANA name) or clears (null) the user's study timezone. */
  setTimezone(user: UserRef, tz: string | null): Promise<void>;
  /** Every user's data, for export. */
  exportUsers(): AsyncIterable<UserExport>;
  /**
   * Restores one user's card states and timezone, in one write: each exported deck replaces that
   * deck, a timezone replaces the user's (none keeps it); validates before writing.
   */
  importUser(u: UserExport): Promise<void>;
}

/** One user's study data in portable form. */
export interface UserExport {
  /** The user. */
  user: UserRef;
  /** deckId -> cardId -> packed state. */
  decks: Record<string, Record<string, string>>;
  /** Study timezone (canonical IANA name), when the user set one. */
  timezone?: string;
}
