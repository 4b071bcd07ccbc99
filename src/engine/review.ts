import { type Card, type FSRS, type Grade as FsrsGrade, fsrs, generatorParameters, State } from 'ts-fsrs';
import { type Action, encodeAction, type Grade, ownerTag } from './actions.js';
import type { Actor } from './api.js';
import { newCard, packCard, packedReps, unpackCard } from './cardstate.js';
import type { Deck, DeckCard, DeckSet } from './deck/types.js';
import { QuizError } from './errors.js';
import { teamReviewLine } from './fsrs/log.js';
import type { Clock, NextQueue, QueueQuery, ReviewStore, UserRef } from './ports.js';
import { forecastEnd, statsChart } from './stats-chart.js';
import { addDays, dayWindow, shortDuration } from './time.js';
import { UserTimezones } from './user-timezone.js';
import { truncate, type View, type ViewButton, withSource } from './views.js';

/** Options of {@link ReviewService}; defaults in {@link REVIEW_DEFAULTS}. */
export interface ReviewServiceOptions {
  /** Study data store. */
  store: ReviewStore;
  /** Loaded decks. */
  decks: DeckSet;
  /** Time source. */
  clock: Clock;
  /** Default timezone whose midnight starts a new study day (new-card budget, streaks); a user's own wins. */
  timezone?: string;
  /** Deck used when a command names none. */
  defaultDeck?: string;
  /** Called after each applied grade (metrics). */
  onGrade?: (grade: Grade) => void;
}

/** Defaults in one place. */
export const REVIEW_DEFAULTS = { timezone: 'UTC', statsDays: 366, retentionDays: 30 } as const;

/** Rating labels in button order (ts-fsrs Rating 1..4). */
export const GRADE_LABELS: Record<Grade, string> = { 1: 'Again', 2: 'Hard', 3: 'Good', 4: 'Easy' };
const GRADE_STYLE = { 1: 'danger', 2: 'secondary', 3: 'success', 4: 'primary' } as const;

/** The schedulers of one deck: FSRS's default weights, and each team's fitted weights by their array. */
interface DeckSchedulers {
  defaults?: FSRS;
  fitted: WeakMap<readonly number[], FSRS>;
}

/** Body text sizes kept well inside every platform's limits (Discord embed 4,096; Slack section 3,000). */
const MAX_FRONT = 1_000;
const MAX_BACK = 2_400;

/** The next card to study, or when the next one will be due. */
export type NextCard =
  | { kind: 'card'; card: DeckCard; isNew: boolean; rev: number; dueNow: number; newLeft: number }
  | { kind: 'done'; nextDue: number | null };

/** Private, Anki-style self-review on FSRS. Pure: store, decks and clock are passed in. */
export class ReviewService {
  private readonly schedulers = new WeakMap<Deck, DeckSchedulers>();
  /** Users' study timezones, falling back to the configured one. */
  readonly zones: UserTimezones;

  constructor(private readonly opts: ReviewServiceOptions) {
    this.zones = new UserTimezones(opts.store, opts.clock, opts.timezone ?? REVIEW_DEFAULTS.timezone);
  }

  /** `/settings timezone [zone]`: shows or sets the actor's study timezone (private). */
  timezone(actor: Actor, zone?: string | null): Promise<View> {
    return this.zones.command(actor.user, zone);
  }

  /** Resolves a deck id (or the default deck); refusal as a QuizError('unknown_deck'). */
  deck(deckId?: string | null): Deck {
    const id = deckId?.trim() || this.opts.defaultDeck || this.opts.decks.list()[0]?.id;
    const deck = id ? this.opts.decks.get(id) : undefined;
    if (!deck) throw new QuizError('unknown_deck', `unknown deck ${JSON.stringify(deckId)}`);
    return deck;
  }

  /** Now, its local study day and the day's end: one cached calendar lookup, not one per use. */
  private queueQuery(now: number, tz: string): QueueQuery {
    const w = dayWindow(now, tz);
    return { now, endOfDay: w.end, day: w.day };
  }

  /**
   * The scheduler of a deck with a team's fitted weights (null: FSRS's defaults), kept by identity:
   * no key is built per click (joining a team's 21 weights into one cost about 1 µs a grade). The
   * Redis store hands out the same weights array while it keeps them (WeightsCache); the embedded
   * store parses them per read, so it gets a new scheduler each time (about 3 µs). A replaced deck
   * is a new object, and schedulers of weights or decks no longer referenced go with them.
   */
  private scheduler(deck: Deck, w: readonly number[] | null): FSRS {
    let kept = this.schedulers.get(deck);
    if (!kept) {
      kept = { fitted: new WeakMap() };
      this.schedulers.set(deck, kept);
    }
    if (w === null) {
      kept.defaults ??= deckScheduler(deck, null);
      return kept.defaults;
    }
    let f = kept.fitted.get(w);
    if (!f) {
      f = deckScheduler(deck, w);
      kept.fitted.set(w, f);
    }
    return f;
  }

  /** Picks the next card: due cards first (oldest due first), then new cards up to newPerDay. */
  async next(user: UserRef, deck: Deck, known?: NextQueue): Promise<NextCard> {
    const inDeck = (id: string) => this.opts.decks.card(deck.id, id);
    let snap = known;
    // A grade's lean queue (some counts left out) is enough only for a due card it names; else
    // (its few due ids were all removed from the deck) the whole queue is read.
    if (!snap || (snap.dueToday === null && !snap.dueIds.some(inDeck))) {
      const q = this.queueQuery(this.opts.clock.now(), await this.zones.zone(user));
      snap = await this.opts.store.queue(user, deck.id, q.now, q.endOfDay, q.day);
    }
    // A card removed from the deck stays in the due queue; skip it rather than block the rest.
    const dueId = snap.dueIds.find(inDeck);
    if (dueId) {
      const card = this.opts.decks.card(deck.id, dueId) as DeckCard;
      const state =
        dueId === snap.dueCardId ? snap.dueState : await this.opts.store.getState(user, deck.id, dueId);
      const rev = state ? packedReps(state) : 0;
      return {
        kind: 'card',
        card,
        isNew: false,
        rev,
        dueNow: snap.dueNow,
        newLeft: deck.newPerDay - snap.newToday,
      };
    }
    const newLeft = deck.newPerDay - snap.newToday;
    // `known` may count cards removed from the deck, so it cannot prove the deck is used up.
    if (newLeft > 0) {
      const known = await this.opts.store.knownCards(user, deck.id);
      const fresh = deck.cards.find((c) => !known.has(c.id));
      if (fresh) return { kind: 'card', card: fresh, isNew: true, rev: 0, dueNow: snap.dueNow, newLeft };
    }
    return { kind: 'done', nextDue: snap.nextDue };
  }

  /** `/review [deck]`: the first card's front, or "nothing due". */
  async start(actor: Actor, deckId?: string | null): Promise<View> {
    const deck = this.deck(deckId);
    return this.cardView(actor.user, deck, await this.next(actor.user, deck));
  }

  /** Show answer: the back with four rating buttons labelled with their next intervals. */
  async reveal(actor: Actor, a: Extract<Action, { kind: 'reveal' }>): Promise<View> {
    this.checkOwner(actor, a.owner);
    const deck = this.deck(a.deckId);
    const card = this.card(deck, a.cardId);
    const now = this.opts.clock.now();
    const { state, w, tz } = await this.opts.store.readForGrade(actor.user, deck.id, card.id, actor.team);
    this.zones.seen(actor.user, tz);
    const fcard = state ? unpackCard(state) : newCard(now);
    const preview = this.scheduler(deck, w).repeat(fcard, new Date(now));
    const owner = ownerTag(actor.user);
    const buttons: ViewButton[] = ([1, 2, 3, 4] as const).map((g) => ({
      label: `${GRADE_LABELS[g]} · ${shortDuration(preview[g as FsrsGrade].card.due.getTime() - now)}`,
      actionId: encodeAction({
        kind: 'grade',
        deckId: deck.id,
        cardId: card.id,
        grade: g,
        rev: fcard.reps,
        owner,
      }),
      style: GRADE_STYLE[g],
    }));
    const back = card.explanation ? `${card.back}\n\n_${card.explanation}_` : card.back;
    return {
      title: deck.title,
      text: `**${truncate(card.front, MAX_FRONT)}**\n\n${withSource(back, card.source, MAX_BACK)}`,
      buttons: [buttons],
      private: true,
      footer: 'How well did you remember it?',
    };
  }

  /**
   * Grades a card, then shows the next card. Applied: 2 round trips (read the state, then one
   * script: the atomic write, which also reads the next-card queue). A conflict costs one more read
   * (whose state won); a stale button (the card moved on) skips the write but reads the queue
   * instead; a next card whose few due ids were all removed from the deck reads the whole queue (and
   * that card's state): up to 4 round trips, on that rare path only.
   */
  async grade(actor: Actor, a: Extract<Action, { kind: 'grade' }>): Promise<View> {
    this.checkOwner(actor, a.owner);
    const deck = this.deck(a.deckId);
    const card = this.card(deck, a.cardId);
    const now = this.opts.clock.now();
    const user = actor.user;
    // The user's timezone comes with this read: the click pays no round trip for it.
    const read = await this.opts.store.readForGrade(user, deck.id, card.id, actor.team);
    const { state: expected, w } = read;
    const tz = this.zones.seen(user, read.tz);
    const before = expected ? unpackCard(expected) : newCard(now);
    let note: string;
    let snap: NextQueue | undefined;
    if (before.reps !== a.rev) {
      // The card moved on since this button was drawn: a double click or an old message.
      note = 'That card was already graded; here is your next one.';
    } else {
      const { card: after } = this.scheduler(deck, w).next(before, new Date(now), a.grade as FsrsGrade);
      const wasReview = before.state === State.Review;
      const q = this.queueQuery(now, tz);
      const { outcome, queue } = await this.opts.store.applyGradeThenQueue(
        {
          user,
          deckId: deck.id,
          cardId: card.id,
          expected,
          next: packCard(after),
          due: after.due.getTime(),
          day: q.day,
          isNew: expected === null,
          recalled: wasReview ? a.grade > 1 : null,
          log: reviewLogLine(now, card.id, a.grade, before, after),
          team: actor.team
            ? {
                ref: actor.team,
                at: now,
                line: teamReviewLine(now, deck.id, user, card.id, before.reps, a.grade),
              }
            : null,
        },
        q,
      );
      snap = queue;
      if (outcome === 'applied') this.opts.onGrade?.(a.grade);
      // A conflict may be this very click delivered twice (Discord replicas, Slack re-sends): when
      // the stored state is what this grade produces, answer exactly as the delivery that wrote it.
      const mine =
        outcome === 'applied' || sameGrade(await this.opts.store.getState(user, deck.id, card.id), after);
      note = mine
        ? `${GRADE_LABELS[a.grade]} — next review in ${shortDuration(after.due.getTime() - now)}.`
        : 'That card was already graded; here is your next one.';
    }
    return this.cardView(user, deck, await this.next(user, deck, snap), `_${note}_\n\n`);
  }

  /** Personal stats: due now, due today, reviews today, 30-day retention, streak. */
  async stats(actor: Actor, deckId?: string | null): Promise<View> {
    const now = this.opts.clock.now();
    const tz = await this.zones.zone(actor.user);
    const { day: today, end: endOfDay } = dayWindow(now, tz);
    const days = Array.from({ length: REVIEW_DEFAULTS.statsDays }, (_, i) => addDays(today, -i));
    const decks = deckId ? [this.deck(deckId)] : this.opts.decks.list();
    const [counters, snaps, dueTimes] = await Promise.all([
      this.opts.store.dayCounters(actor.user, deckId ? (decks[0] as Deck).id : null, days),
      Promise.all(decks.map((d) => this.opts.store.queue(actor.user, d.id, now, endOfDay, today))),
      this.opts.store.dueTimes(
        actor.user,
        decks.map((d) => d.id),
        forecastEnd(today, tz),
      ),
    ]);
    const dueNow = snaps.reduce((n, s) => n + s.dueNow, 0);
    const dueToday = snaps.reduce((n, s) => n + s.dueToday, 0);
    const known = snaps.reduce((n, s) => n + s.known, 0);
    const window = counters.slice(0, REVIEW_DEFAULTS.retentionDays);
    const total = window.reduce((n, c) => n + c.recallTotal, 0);
    const passed = window.reduce((n, c) => n + c.recallPassed, 0);
    let streak = 0;
    for (let i = counters[0]?.reviews ? 0 : 1; i < counters.length && (counters[i]?.reviews ?? 0) > 0; i++)
      streak++;
    const scope = deckId ? (decks[0] as Deck).title : 'all decks';
    const chart = known === 0 ? {} : { chart: statsChart({ today, tz, counters, dueTimes }) };
    return {
      ...chart,
      title: `Your study stats · ${scope}`,
      text: known === 0 ? 'You have not reviewed any card yet. Start with the review command.' : '',
      fields: [
        { name: 'Due now', value: String(dueNow), inline: true },
        { name: 'Due today', value: String(dueToday), inline: true },
        { name: 'Reviewed today', value: String(counters[0]?.reviews ?? 0), inline: true },
        {
          name: '30-day retention',
          value: total ? `${Math.round((passed / total) * 100)}% (${passed}/${total})` : '—',
          inline: true,
        },
        { name: 'Streak', value: `${streak} day${streak === 1 ? '' : 's'}`, inline: true },
        { name: 'Cards started', value: String(known), inline: true },
      ],
      private: true,
    };
  }

  /** The next card's view (or "all caught up"); `lead` goes before its text (a grade's note). */
  private cardView(user: UserRef, deck: Deck, next: NextCard, lead = ''): View {
    const now = this.opts.clock.now();
    if (next.kind === 'done') {
      const when = next.nextDue === null ? null : shortDuration(Math.max(0, next.nextDue - now));
      const text =
        when === null
          ? `Nothing due in ${deck.title}, and no new cards left for today. Come back tomorrow!`
          : `Nothing due in ${deck.title}. Next card in ${when}.`;
      return {
        title: deck.title,
        text: lead + text,
        private: true,
        tone: 'success',
        footer: 'All caught up ✓',
      };
    }
    const { card } = next;
    const status = next.isNew
      ? `new card · ${Math.max(0, next.newLeft - 1)} new left today`
      : `${next.dueNow} due now`;
    return {
      title: deck.title,
      text: `${lead}**${truncate(card.front, MAX_FRONT)}**`,
      buttons: [
        [
          {
            label: 'Show answer',
            actionId: encodeAction({
              kind: 'reveal',
              deckId: deck.id,
              cardId: card.id,
              owner: ownerTag(user),
            }),
            style: 'primary',
          },
        ],
      ],
      private: true,
      footer: status,
    };
  }

  private card(deck: Deck, cardId: string): DeckCard {
    const card = this.opts.decks.card(deck.id, cardId);
    if (!card) throw new QuizError('unknown_card', `card ${cardId} is not in deck ${deck.id}`);
    return card;
  }

  private checkOwner(actor: Actor, owner: string): void {
    if (ownerTag(actor.user) !== owner) throw new QuizError('not_owner', 'button of another user');
  }
}

/** A new scheduler for a deck's retention, with fitted weights or (null) FSRS's defaults; no fuzz. */
function deckScheduler(deck: Deck, w: readonly number[] | null): FSRS {
  return fsrs(
    generatorParameters({ request_retention: deck.retention, enable_fuzz: false, ...(w ? { w } : {}) }),
  );
}

/** Whether a stored state is the one a grade produced (up to the clock skew between two deliveries). */
function sameGrade(stored: string | null, produced: Card): boolean {
  if (!stored) return false;
  const c = unpackCard(stored);
  return (
    c.state === produced.state &&
    c.reps === produced.reps &&
    c.lapses === produced.lapses &&
    c.scheduled_days === produced.scheduled_days &&
    Math.abs(c.due.getTime() - produced.due.getTime()) < 60_000
  );
}

/** Compact review log line: `time36 card grade state>state sched_days`. */
function reviewLogLine(now: number, cardId: string, grade: number, before: Card, after: Card): string {
  return `${Math.round(now / 1000).toString(36)} ${cardId} ${grade} ${before.state}>${after.state} ${after.scheduled_days}`;
}
