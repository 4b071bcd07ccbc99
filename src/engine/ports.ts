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

/** What the review store knows about one user's deck right now. */
export interface QueueSnapshot {
  /** The oldest due card id, or null. */
  dueCardId: string | null;
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
  /** Counters for the given days (all decks when deckId is null), in the order asked. */
  dayCounters(user: UserRef, deckId: string | null, days: string[]): Promise<DayCounters[]>;
  /** Every user's data, for export. */
  exportUsers?(): AsyncIterable<UserExport>;
}

/** One user's study data in portable form. */
export interface UserExport {
  /** The user. */
  user: UserRef;
  /** deckId -> cardId -> packed state. */
  decks: Record<string, Record<string, string>>;
}
