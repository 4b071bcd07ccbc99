import { unpackCard } from '../../engine/cardstate.js';
import { pickWeights } from '../../engine/fsrs/params.js';
import {
  type DayCounters,
  type GradeAndQueue,
  type GradeRead,
  type GradeWrite,
  QUEUE_DUE_IDS,
  type QueueQuery,
  type QueueSnapshot,
  type ReviewStore,
  type TeamRef,
  type UserExport,
  type UserRef,
} from '../../engine/ports.js';
import { oldestKeptDay } from '../retention.js';
import { storedTimezone } from '../user-export.js';
import { appendTeamReview, type FsrsDoc, memoryWeights } from './fsrs-store.js';
import type { PersistedDoc } from './persist.js';

/** Review log lines kept per user (same cap as Redis). */
export const MEMORY_REVIEW_LOG_CAP = 500;

/** Counters of one day: reviews, recall total, recall passed, new cards (deck level only). */
export interface DayCount {
  /** Reviews done. */
  r: number;
  /** Reviews of cards in review state. */
  t: number;
  /** Of those, recalled. */
  p: number;
  /** New cards introduced (per deck only). */
  n: number;
}

/** One user's deck: states, due times and per-day counters. */
export interface ReviewDeckData {
  /** cardId -> packed state. */
  cards: Record<string, string>;
  /** cardId -> due time in ms. */
  due: Record<string, number>;
  /** day -> counters of this deck. */
  days: Record<string, DayCount>;
}

/** One user's study data. */
export interface ReviewUserData {
  /** The user. */
  user: UserRef;
  /** deckId -> deck data. */
  decks: Record<string, ReviewDeckData>;
  /** day -> counters over all decks. */
  days: Record<string, DayCount>;
  /** Review log lines, newest first, capped at {@link MEMORY_REVIEW_LOG_CAP}. */
  log: string[];
  /** Study timezone (IANA name), when the user set one. */
  tz?: string;
}

/** The review store's slice of the shared embedded-store document. */
export interface ReviewSlice {
  /** `<platform>:<userId>` -> data. */
  users: Record<string, ReviewUserData>;
}

/** Documents that can hold a review slice (other stores add their own slices beside it). */
export interface ReviewDoc {
  /** Created on first use. */
  review?: ReviewSlice;
}

const memberOf = (u: UserRef) => `${u.platform}:${u.userId}`;

// Ids come from users and platforms: `constructor` or `__proto__` must be plain keys, never
// inherited members or prototype setters.
/** Own entry of `rec` at `key`. */
function own<V>(rec: Record<string, V> | undefined, key: string): V | undefined {
  return rec && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** Sets an own entry of `rec`. */
function put<V>(rec: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The own entry of `rec` at `key`, created by `make` when missing. */
function entry<V>(rec: Record<string, V>, key: string, make: () => V): V {
  const found = own(rec, key);
  if (found !== undefined) return found;
  const made = make();
  put(rec, key, made);
  return made;
}

const zero = (): DayCount => ({ r: 0, t: 0, p: 0, n: 0 });

/**
 * Study data of the embedded store (local mode, one process), kept in the shared PersistedDoc.
 * Same semantics as RedisReviewStore: compare-and-set grades, same counters and log cap. Every
 * method runs synchronously to completion, so concurrent grades are serialised like a script.
 */
export class MemoryReviewStore implements ReviewStore {
  private readonly slice: ReviewSlice;

  constructor(private readonly doc: PersistedDoc<ReviewDoc & FsrsDoc>) {
    doc.data.review ??= { users: {} };
    this.slice = doc.data.review;
  }

  private userData(u: UserRef): ReviewUserData | undefined {
    return own(this.slice.users, memberOf(u));
  }

  private deck(u: UserRef, deckId: string): ReviewDeckData | undefined {
    return own(this.userData(u)?.decks, deckId);
  }

  /** The user's data, created empty when missing. */
  private ensureUser(u: UserRef): ReviewUserData {
    return entry(this.slice.users, memberOf(u), () => ({
      user: { platform: u.platform, userId: u.userId },
      decks: {},
      days: {},
      log: [],
    }));
  }

  private ensureDeck(u: UserRef, deckId: string): { data: ReviewUserData; deck: ReviewDeckData } {
    const data = this.ensureUser(u);
    const deck = entry(data.decks, deckId, () => ({ cards: {}, due: {}, days: {} }));
    return { data, deck };
  }

  async queue(
    user: UserRef,
    deckId: string,
    now: number,
    endOfDay: number,
    day: string,
  ): Promise<QueueSnapshot> {
    const deck = this.deck(user, deckId);
    const snap: QueueSnapshot = {
      dueCardId: null,
      dueNow: 0,
      dueToday: 0,
      nextDue: null,
      newToday: own(deck?.days, day)?.n ?? 0,
      known: deck ? Object.keys(deck.cards).length : 0,
      dueState: null,
      dueIds: [],
    };
    if (!deck) return snap;
    const due: [string, number][] = [];
    for (const [id, at] of Object.entries(deck.due)) {
      if (snap.nextDue === null || at < snap.nextDue) snap.nextDue = at;
      if (at <= now) due.push([id, at]);
      if (at < endOfDay) snap.dueToday++;
    }
    snap.dueNow = due.length;
    // Same order as a Redis sorted set: by score, then by member.
    due.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    snap.dueIds = due.slice(0, QUEUE_DUE_IDS).map(([id]) => id);
    const first = snap.dueIds[0];
    if (first !== undefined) {
      snap.dueCardId = first;
      snap.dueState = own(deck.cards, first) ?? null;
    }
    return snap;
  }

  async applyGradeThenQueue(w: GradeWrite, q: QueueQuery): Promise<GradeAndQueue> {
    const outcome = await this.applyGrade(w);
    return { outcome, queue: await this.queue(w.user, w.deckId, q.now, q.endOfDay, q.day) };
  }

  async getState(user: UserRef, deckId: string, cardId: string): Promise<string | null> {
    return own(this.deck(user, deckId)?.cards, cardId) ?? null;
  }

  async readForGrade(
    user: UserRef,
    deckId: string,
    cardId: string,
    team: TeamRef | null,
  ): Promise<GradeRead> {
    const state = own(this.deck(user, deckId)?.cards, cardId) ?? null;
    const tz = this.userData(user)?.tz ?? null;
    if (!team) return { state, w: null, tz };
    const w = memoryWeights(this.doc, team, deckId);
    return { state, w: pickWeights(w.deck, w.team), tz };
  }

  async getTimezone(user: UserRef): Promise<string | null> {
    return this.userData(user)?.tz ?? null;
  }

  async setTimezone(user: UserRef, tz: string | null): Promise<void> {
    const data = this.userData(user);
    if (tz === null) {
      if (!data?.tz) return;
      delete data.tz;
    } else {
      this.ensureUser(user).tz = tz;
    }
    await this.doc.changed();
  }

  async knownCards(user: UserRef, deckId: string): Promise<Set<string>> {
    return new Set(Object.keys(this.deck(user, deckId)?.cards ?? {}));
  }

  async applyGrade(w: GradeWrite): Promise<'applied' | 'conflict'> {
    if (!Number.isFinite(w.due)) throw new RangeError(`grade due is not a finite time: ${w.due}`);
    const current = own(this.deck(w.user, w.deckId)?.cards, w.cardId) ?? null;
    if (current !== w.expected) return 'conflict';
    const { data, deck } = this.ensureDeck(w.user, w.deckId);
    put(deck.cards, w.cardId, w.next);
    put(deck.due, w.cardId, w.due);
    // Retention (as the grade script): on a day's first review, older counters go.
    const cutoff = oldestKeptDay(w.day);
    for (const days of [deck.days, data.days]) {
      if (own(days, w.day) !== undefined || cutoff === '') continue;
      for (const d of Object.keys(days)) if (d < cutoff) delete days[d];
    }
    const deckDay = entry(deck.days, w.day, zero);
    const allDay = entry(data.days, w.day, zero);
    for (const c of [deckDay, allDay]) {
      c.r++;
      if (w.recalled !== null) {
        c.t++;
        if (w.recalled) c.p++;
      }
    }
    if (w.isNew) deckDay.n++;
    data.log.unshift(w.log);
    if (data.log.length > MEMORY_REVIEW_LOG_CAP) data.log.length = MEMORY_REVIEW_LOG_CAP;
    // Same document, same save: the team's log line is written with the grade or not at all.
    if (w.team) appendTeamReview(this.doc, w.team.ref, w.team.line, w.team.at);
    await this.doc.changed();
    return 'applied';
  }

  async dueTimes(user: UserRef, deckIds: string[], until: number): Promise<number[]> {
    const out: number[] = [];
    for (const d of deckIds)
      for (const at of Object.values(this.deck(user, d)?.due ?? {})) if (at < until) out.push(at);
    return out.sort((a, b) => a - b);
  }

  async dayCounters(user: UserRef, deckId: string | null, days: string[]): Promise<DayCounters[]> {
    const data = this.userData(user);
    const source = deckId === null ? data?.days : own(data?.decks, deckId)?.days;
    return days.map((day) => {
      const c = own(source, day);
      return { day, reviews: c?.r ?? 0, recallTotal: c?.t ?? 0, recallPassed: c?.p ?? 0 };
    });
  }

  async *exportUsers(): AsyncIterable<UserExport> {
    for (const member of Object.keys(this.slice.users)) {
      const data = own(this.slice.users, member);
      if (!data) continue;
      const decks: Record<string, Record<string, string>> = {};
      for (const deckId of Object.keys(data.decks).sort()) {
        const cards = own(data.decks, deckId)?.cards ?? {};
        if (Object.keys(cards).length > 0) put(decks, deckId, { ...cards });
      }
      const user = { platform: data.user.platform, userId: data.user.userId };
      yield data.tz === undefined ? { user, decks } : { user, decks, timezone: data.tz };
    }
  }

  /** Review log lines of a user, newest first. */
  async reviewLog(user: UserRef, limit = MEMORY_REVIEW_LOG_CAP): Promise<string[]> {
    return (this.userData(user)?.log ?? []).slice(0, limit);
  }

  /**
   * Restores one user's card states and timezone. Each deck in the export replaces that deck's
   * states and due times; a timezone replaces the user's, and a record without one keeps it;
   * counters and the log are kept. Throws RangeError, before writing anything, on a malformed
   * state or timezone.
   */
  async importUser(u: UserExport): Promise<void> {
    const tz = u.timezone === undefined ? undefined : storedTimezone(u.timezone, memberOf(u.user));
    const decks = Object.entries(u.decks).map(([deckId, cards]) => ({
      deckId,
      cards: { ...cards },
      due: Object.fromEntries(Object.entries(cards).map(([id, p]) => [id, unpackCard(p).due.getTime()])),
    }));
    for (const d of decks) {
      const { deck } = this.ensureDeck(u.user, d.deckId);
      deck.cards = d.cards;
      deck.due = d.due;
    }
    if (tz !== undefined) this.ensureUser(u.user).tz = tz;
    await this.doc.changed();
  }
}
