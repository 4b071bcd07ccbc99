import { createEmptyCard, fsrs, type Grade, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import { packCard, unpackCard } from '../../src/engine/cardstate.js';
import type {
  GradeWrite,
  NextQueue,
  QueueSnapshot,
  ReviewStore,
  UserExport,
  UserRef,
} from '../../src/engine/ports.js';

/** What the contract needs beyond the port: backup/restore and the review log. */
export interface ContractReviewStore extends ReviewStore {
  /** Restores one user's exported card states. */
  importUser(u: UserExport): Promise<void>;
  /** Review log lines of a user, newest first. */
  reviewLog(user: UserRef, limit?: number): Promise<string[]>;
  /** Every user's data (required here). */
  exportUsers(): AsyncIterable<UserExport>;
}

const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;
const alice: UserRef = { platform: 'discord', userId: '111' };
const f = fsrs();

/** A realistic packed state: a new card graded Good at `T0 + i` seconds. */
function state(i: number): string {
  const at = new Date(T0 + i * 1000);
  return packCard(f.next(createEmptyCard(at), at, Rating.Good).card);
}

/**
 * The whole queue `full` with what a grade's snapshot `lean` left out of it, as far as the port
 * allows: only with a card due, only the two counts, and only due ids past the first.
 */
function leanOf(full: QueueSnapshot, lean: NextQueue): NextQueue {
  if (full.dueCardId === null) return full;
  return {
    ...full,
    dueToday: lean.dueToday === null ? null : full.dueToday,
    known: lean.known === null ? null : full.known,
    dueIds: full.dueIds.slice(0, Math.max(1, lean.dueIds.length)),
  };
}

function write(over: Partial<GradeWrite> & Pick<GradeWrite, 'cardId'>): GradeWrite {
  return {
    user: alice,
    deckId: 'k8s',
    expected: null,
    next: state(1),
    due: T0 + 10 * MIN,
    day: '2025-03-03',
    isNew: over.expected == null,
    recalled: null,
    log: `${T0}|${over.cardId}|3`,
    ...over,
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const byUser = (a: UserExport, b: UserExport) =>
  `${a.user.platform}:${a.user.userId}`.localeCompare(`${b.user.platform}:${b.user.userId}`);

/**
 * The ReviewStore contract, run against every implementation. `factory` returns a fresh, empty,
 * isolated store on every call. `replica(store, i)` is another handle on the same data as another
 * replica holds it: for Redis a store on its own connection (so concurrent calls race on the
 * server); for the embedded store the same store (its async calls interleave at their awaits).
 */
export function reviewStoreContract(
  name: string,
  factory: () => ContractReviewStore | Promise<ContractReviewStore>,
  replica: (store: ContractReviewStore, i: number) => ContractReviewStore = (s) => s,
): void {
  describe(`ReviewStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = await factory();
      expect(await s.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')).toEqual({
        dueCardId: null,
        dueNow: 0,
        dueToday: 0,
        nextDue: null,
        newToday: 0,
        known: 0,
        dueState: null,
        dueIds: [],
      });
      expect(await s.getState(alice, 'k8s', 'c1')).toBeNull();
      expect(await s.knownCards(alice, 'k8s')).toEqual(new Set());
      expect(await s.dayCounters(alice, null, ['2025-03-03'])).toEqual([
        { day: '2025-03-03', reviews: 0, recallTotal: 0, recallPassed: 0 },
      ]);
      expect(await s.dayCounters(alice, 'k8s', [])).toEqual([]);
      expect(await collect(s.exportUsers())).toEqual([]);
    });

    it('applyGradeThenQueue answers what applyGrade then queue would', async () => {
      const s = await factory();
      await s.applyGrade(write({ cardId: 'a', next: state(1), due: T0 + 3 * MIN }));
      const q = { now: T0 + 5 * MIN, endOfDay: T0 + DAY, day: '2025-03-03' };
      const r = await s.applyGradeThenQueue(write({ cardId: 'b', next: state(2), due: T0 + MIN }), q);
      expect(r.outcome).toBe('applied');
      expect(r.queue).toEqual(leanOf(await s.queue(alice, 'k8s', q.now, q.endOfDay, q.day), r.queue));
      expect(r.queue).toMatchObject({ dueCardId: 'b', dueIds: ['b', 'a'], dueState: state(2), dueNow: 2 });
      const stale = await s.applyGradeThenQueue(write({ cardId: 'b', next: state(3), due: T0 + DAY }), q);
      expect(stale.outcome).toBe('conflict');
      expect(stale.queue).toEqual(r.queue);
    });

    it('applyGradeThenQueue with no card due answers the whole queue (what "all caught up" shows)', async () => {
      const s = await factory();
      await s.applyGrade(write({ cardId: 'a', next: state(1), due: T0 + 3 * MIN }));
      const q = { now: T0 + MIN, endOfDay: T0 + 2 * MIN, day: '2025-03-03' };
      const r = await s.applyGradeThenQueue(write({ cardId: 'b', next: state(2), due: T0 + DAY }), q);
      expect(r.outcome).toBe('applied');
      expect(r.queue).toEqual(await s.queue(alice, 'k8s', q.now, q.endOfDay, q.day));
      expect(r.queue).toMatchObject({ dueCardId: null, dueToday: 0, nextDue: T0 + 3 * MIN, known: 2 });
    });

    it('applyGradeThenQueue names at least one due card, oldest first, when many are due', async () => {
      const s = await factory();
      for (let i = 0; i < 20; i++)
        await s.applyGrade(write({ cardId: `c${i}`, next: state(1), due: T0 + i }));
      const q = { now: T0 + DAY, endOfDay: T0 + 2 * DAY, day: '2025-03-03' };
      const r = await s.applyGradeThenQueue(write({ cardId: 'z', next: state(2), due: T0 + 3 * DAY }), q);
      const full = await s.queue(alice, 'k8s', q.now, q.endOfDay, q.day);
      expect(full).toMatchObject({ dueNow: 20, dueToday: 20, known: 21 });
      expect(r.queue.dueIds.length).toBeGreaterThan(0);
      expect(r.queue).toEqual(leanOf(full, r.queue));
    });

    it('applies a grade and the queue shows the oldest due card first', async () => {
      const s = await factory();
      expect(await s.applyGrade(write({ cardId: 'a', next: state(1), due: T0 + 3 * MIN }))).toBe('applied');
      expect(await s.applyGrade(write({ cardId: 'b', next: state(2), due: T0 + 1 * MIN }))).toBe('applied');
      expect(await s.applyGrade(write({ cardId: 'c', next: state(3), due: T0 + 10 * DAY }))).toBe('applied');
      expect(await s.applyGrade(write({ cardId: 'd', next: state(4), due: T0 + 20 * MIN }))).toBe('applied');

      expect(await s.queue(alice, 'k8s', T0 + 5 * MIN, T0 + 15 * MIN, '2025-03-03')).toEqual({
        dueCardId: 'b',
        dueNow: 2,
        dueToday: 2,
        nextDue: T0 + MIN,
        newToday: 4,
        known: 4,
        dueState: state(2),
        dueIds: ['b', 'a'],
      });
      // Nothing due yet, but d is due before the end of the day.
      expect(await s.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')).toMatchObject({
        dueCardId: null,
        dueNow: 0,
        dueToday: 3,
        nextDue: T0 + MIN,
      });
      // Regrading b pushes it back: a becomes the oldest due.
      const b = await s.getState(alice, 'k8s', 'b');
      expect(await s.applyGrade(write({ cardId: 'b', expected: b, next: state(5), due: T0 + 5 * DAY }))).toBe(
        'applied',
      );
      expect(await s.queue(alice, 'k8s', T0 + 5 * MIN, T0 + DAY, '2025-03-03')).toMatchObject({
        dueCardId: 'a',
        dueNow: 1,
        dueToday: 2,
        nextDue: T0 + 3 * MIN,
        known: 4,
      });
    });

    it('a card due exactly now is due; the end of the day is exclusive', async () => {
      const s = await factory();
      await s.applyGrade(write({ cardId: 'a', due: T0 }));
      await s.applyGrade(write({ cardId: 'b', due: T0 + DAY }));
      expect(await s.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')).toMatchObject({
        dueCardId: 'a',
        dueNow: 1,
        dueToday: 1,
      });
    });

    it('rejects a stale expected state and writes nothing', async () => {
      const s = await factory();
      const first = state(1);
      expect(await s.applyGrade(write({ cardId: 'a', next: first, due: T0 + MIN }))).toBe('applied');
      // A second "new card" write for the same card: the card already has a state.
      expect(await s.applyGrade(write({ cardId: 'a', expected: null, next: state(2), due: T0 + DAY }))).toBe(
        'conflict',
      );
      // A state that is not the current one.
      expect(
        await s.applyGrade(
          write({
            cardId: 'a',
            expected: state(9),
            next: state(3),
            due: T0 + DAY,
            isNew: false,
            recalled: true,
          }),
        ),
      ).toBe('conflict');
      // Expecting a state for a card that has none.
      expect(await s.applyGrade(write({ cardId: 'z', expected: first, next: state(3), isNew: false }))).toBe(
        'conflict',
      );

      expect(await s.getState(alice, 'k8s', 'a')).toBe(first);
      expect(await s.getState(alice, 'k8s', 'z')).toBeNull();
      expect(await s.queue(alice, 'k8s', T0 + 2 * MIN, T0 + DAY, '2025-03-03')).toEqual({
        dueCardId: 'a',
        dueNow: 1,
        dueToday: 1,
        nextDue: T0 + MIN,
        newToday: 1,
        known: 1,
        dueState: first,
        dueIds: ['a'],
      });
      expect(await s.dayCounters(alice, 'k8s', ['2025-03-03'])).toEqual([
        { day: '2025-03-03', reviews: 1, recallTotal: 0, recallPassed: 0 },
      ]);
      expect(await s.reviewLog(alice)).toHaveLength(1);
    });

    it('two concurrent grades of the same card with the same expected state: exactly one applies', async () => {
      const s = await factory();
      const [n1, n2] = await Promise.all([
        replica(s, 1).applyGrade(write({ cardId: 'a', next: state(1), log: 'first' })),
        replica(s, 2).applyGrade(write({ cardId: 'a', next: state(2), log: 'second' })),
      ]);
      expect([n1, n2].sort()).toEqual(['applied', 'conflict']);
      const afterNew = await s.getState(alice, 'k8s', 'a');
      expect(afterNew).toBe(n1 === 'applied' ? state(1) : state(2));

      const results = await Promise.all(
        [3, 4, 5].map((i) =>
          replica(s, i).applyGrade(
            write({
              cardId: 'a',
              expected: afterNew,
              next: state(i),
              isNew: false,
              recalled: true,
              log: `r${i}`,
            }),
          ),
        ),
      );
      expect(results.filter((r) => r === 'applied')).toHaveLength(1);
      const winner = [3, 4, 5][results.indexOf('applied')] as number;
      expect(await s.getState(alice, 'k8s', 'a')).toBe(state(winner));
      expect(await s.dayCounters(alice, 'k8s', ['2025-03-03'])).toEqual([
        { day: '2025-03-03', reviews: 2, recallTotal: 1, recallPassed: 1 },
      ]);
      expect(await s.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')).toMatchObject({
        newToday: 1,
        known: 1,
      });
      expect(await s.reviewLog(alice)).toHaveLength(2);
    });

    it('counts new cards per deck and per day', async () => {
      const s = await factory();
      await s.applyGrade(write({ cardId: 'a', day: '2025-03-03' }));
      await s.applyGrade(write({ cardId: 'b', day: '2025-03-03' }));
      await s.applyGrade(write({ cardId: 'c', day: '2025-03-04' }));
      await s.applyGrade(write({ cardId: 'x', deckId: 'git', day: '2025-03-03' }));
      const a = await s.getState(alice, 'k8s', 'a');
      // A review of a known card does not count as new.
      await s.applyGrade(
        write({ cardId: 'a', expected: a, next: state(7), day: '2025-03-04', isNew: false }),
      );

      const newOn = async (deck: string, day: string) =>
        (await s.queue(alice, deck, T0, T0 + DAY, day)).newToday;
      expect(await newOn('k8s', '2025-03-03')).toBe(2);
      expect(await newOn('k8s', '2025-03-04')).toBe(1);
      expect(await newOn('k8s', '2025-03-05')).toBe(0);
      expect(await newOn('git', '2025-03-03')).toBe(1);
      expect(await newOn('git', '2025-03-04')).toBe(0);
    });

    it('keeps day counters per deck and over all decks, in the order asked', async () => {
      const s = await factory();
      const d1 = '2025-03-03';
      const d2 = '2025-03-04';
      await s.applyGrade(write({ cardId: 'a', day: d1, recalled: true }));
      await s.applyGrade(write({ cardId: 'b', day: d1, recalled: false }));
      await s.applyGrade(write({ cardId: 'c', day: d1, recalled: null }));
      await s.applyGrade(write({ cardId: 'x', deckId: 'git', day: d1, recalled: true }));
      await s.applyGrade(write({ cardId: 'y', deckId: 'git', day: d2, recalled: false }));

      expect(await s.dayCounters(alice, 'k8s', [d2, d1, '2025-03-02'])).toEqual([
        { day: d2, reviews: 0, recallTotal: 0, recallPassed: 0 },
        { day: d1, reviews: 3, recallTotal: 2, recallPassed: 1 },
        { day: '2025-03-02', reviews: 0, recallTotal: 0, recallPassed: 0 },
      ]);
      expect(await s.dayCounters(alice, 'git', [d1, d2])).toEqual([
        { day: d1, reviews: 1, recallTotal: 1, recallPassed: 1 },
        { day: d2, reviews: 1, recallTotal: 1, recallPassed: 0 },
      ]);
      expect(await s.dayCounters(alice, null, [d2, d1])).toEqual([
        { day: d2, reviews: 1, recallTotal: 1, recallPassed: 0 },
        { day: d1, reviews: 4, recallTotal: 3, recallPassed: 2 },
      ]);
      expect(await s.dayCounters(alice, 'nope', [d1])).toEqual([
        { day: d1, reviews: 0, recallTotal: 0, recallPassed: 0 },
      ]);
    });

    it('lists known cards per deck', async () => {
      const s = await factory();
      for (const id of ['k8s-001', 'k8s-002', 'k8s-010']) await s.applyGrade(write({ cardId: id }));
      await s.applyGrade(write({ cardId: 'git-1', deckId: 'git' }));
      expect(await s.knownCards(alice, 'k8s')).toEqual(new Set(['k8s-001', 'k8s-002', 'k8s-010']));
      expect(await s.knownCards(alice, 'git')).toEqual(new Set(['git-1']));
      expect(await s.knownCards(alice, 'other')).toEqual(new Set());
    });

    it('treats ids such as constructor and __proto__ as plain ids', async () => {
      const s = await factory();
      const user: UserRef = { platform: 'terminal', userId: '__proto__' };
      expect(await s.getState(user, 'toString', 'constructor')).toBeNull();
      expect(await s.knownCards(user, 'constructor')).toEqual(new Set());
      for (const [deckId, cardId, i] of [
        ['constructor', '__proto__', 1],
        ['constructor', 'hasOwnProperty', 2],
        ['__proto__', 'toString', 3],
      ] as const) {
        expect(await s.applyGrade(write({ user, deckId, cardId, next: state(i), due: T0 + i }))).toBe(
          'applied',
        );
      }
      expect(await s.getState(user, 'constructor', '__proto__')).toBe(state(1));
      expect(await s.getState(user, '__proto__', 'toString')).toBe(state(3));
      expect(await s.knownCards(user, 'constructor')).toEqual(new Set(['__proto__', 'hasOwnProperty']));
      expect(await s.queue(user, 'constructor', T0 + 10, T0 + DAY, '2025-03-03')).toMatchObject({
        dueCardId: '__proto__',
        dueNow: 2,
        known: 2,
      });
      const exported = await collect(s.exportUsers());
      expect(exported).toHaveLength(1);
      expect(Object.keys(exported[0]?.decks ?? {}).sort()).toEqual(['__proto__', 'constructor']);
      const protoDeck = Object.getOwnPropertyDescriptor(exported[0]?.decks ?? {}, '__proto__')?.value;
      expect(protoDeck).toEqual({ toString: state(3) });
    });

    it('lists due times before a bound across decks, ascending (the /stats forecast)', async () => {
      const s = await factory();
      expect(await s.dueTimes(alice, ['k8s', 'net'], T0 + DAY)).toEqual([]);
      await s.applyGrade(write({ cardId: 'c1', due: T0 + 3 * MIN }));
      await s.applyGrade(write({ cardId: 'c2', due: T0 - DAY }));
      await s.applyGrade(write({ cardId: 'c3', due: T0 + 2 * DAY }));
      await s.applyGrade(write({ cardId: 'c1', deckId: 'net', due: T0 + MIN }));
      await s.applyGrade(write({ cardId: 'c9', deckId: 'other', due: T0 }));
      expect(await s.dueTimes(alice, ['k8s', 'net'], T0 + DAY)).toEqual([T0 - DAY, T0 + MIN, T0 + 3 * MIN]);
      expect(await s.dueTimes(alice, ['k8s'], T0 + 3 * MIN)).toEqual([T0 - DAY]);
      expect(await s.dueTimes(alice, [], T0 + 9 * DAY)).toEqual([]);
      expect(await s.dueTimes({ platform: 'slack', userId: '111' }, ['k8s'], T0 + 9 * DAY)).toEqual([]);
    });

    it('returns the packed state exactly as written', async () => {
      const s = await factory();
      const at = new Date(T0);
      let card = createEmptyCard(at);
      let expected: string | null = null;
      const ratings: Grade[] = [Rating.Again, Rating.Good, Rating.Good, Rating.Again, Rating.Easy];
      for (const [i, r] of ratings.entries()) {
        const now = new Date(T0 + i * DAY);
        card = f.next(card, now, r).card;
        const next = packCard(card);
        expect(
          await s.applyGrade(
            write({ cardId: 'a', expected, next, due: card.due.getTime(), isNew: expected === null }),
          ),
        ).toBe('applied');
        expect(await s.getState(alice, 'k8s', 'a')).toBe(next);
        expected = next;
      }
      expect(unpackCard(expected as string).state).toBe(card.state);
    });

    it('keeps users apart (same id on another platform, other users, other decks)', async () => {
      const s = await factory();
      const sameIdSlack: UserRef = { platform: 'slack', userId: '111' };
      const bob: UserRef = { platform: 'discord', userId: '222' };
      await s.applyGrade(write({ cardId: 'a', due: T0 }));
      expect(await s.getState(sameIdSlack, 'k8s', 'a')).toBeNull();
      expect(await s.getState(bob, 'k8s', 'a')).toBeNull();
      expect(await s.getState(alice, 'git', 'a')).toBeNull();
      expect((await s.queue(bob, 'k8s', T0, T0 + DAY, '2025-03-03')).known).toBe(0);
      expect(await s.dayCounters(sameIdSlack, null, ['2025-03-03'])).toEqual([
        { day: '2025-03-03', reviews: 0, recallTotal: 0, recallPassed: 0 },
      ]);
      // Bob can grade the same card as new: his state is his own.
      expect(await s.applyGrade(write({ user: bob, cardId: 'a', next: state(2) }))).toBe('applied');
      expect(await s.getState(alice, 'k8s', 'a')).toBe(state(1));
      expect(await s.getState(bob, 'k8s', 'a')).toBe(state(2));
      expect(await s.reviewLog(bob)).toHaveLength(1);
      expect(await s.reviewLog(sameIdSlack)).toEqual([]);
    });

    it('exports every user with what was written, and imports it back', async () => {
      const s = await factory();
      const odd: UserRef = { platform: 'terminal', userId: 'me:{x}% y' };
      const bob: UserRef = { platform: 'slack', userId: 'U0BOB' };
      await s.applyGrade(write({ cardId: 'a', next: state(1) }));
      await s.applyGrade(write({ cardId: 'b', next: state(2) }));
      await s.applyGrade(write({ cardId: 'x', deckId: 'git', next: state(3) }));
      await s.applyGrade(write({ user: odd, cardId: 'a', next: state(4) }));
      await s.applyGrade(write({ user: bob, cardId: 'q', deckId: 'deck with space', next: state(5) }));
      const a = await s.getState(alice, 'k8s', 'a');
      await s.applyGrade(write({ cardId: 'a', expected: a, next: state(6), isNew: false }));

      const expected: UserExport[] = [
        { user: alice, decks: { git: { x: state(3) }, k8s: { a: state(6), b: state(2) } } },
        { user: bob, decks: { 'deck with space': { q: state(5) } } },
        { user: odd, decks: { k8s: { a: state(4) } } },
      ].sort(byUser);
      const exported = (await collect(s.exportUsers())).sort(byUser);
      expect(exported).toEqual(expected);

      const restored = await factory();
      for (const u of exported) await restored.importUser(u);
      expect((await collect(restored.exportUsers())).sort(byUser)).toEqual(expected);
      expect(await restored.getState(odd, 'k8s', 'a')).toBe(state(4));
      // The due queue is rebuilt from the packed states.
      const due = unpackCard(state(2)).due.getTime();
      expect(await restored.queue(alice, 'k8s', due, due + DAY, '2025-03-03')).toMatchObject({
        dueCardId: 'b',
        nextDue: due,
        known: 2,
      });
      // Importing again replaces the deck instead of adding to it.
      await restored.importUser({ user: alice, decks: { k8s: { b: state(2) } } });
      expect(await restored.knownCards(alice, 'k8s')).toEqual(new Set(['b']));
      expect(await restored.knownCards(alice, 'git')).toEqual(new Set(['x']));
    });

    it('exports a user timezone with the user (none: no field) and imports it back', async () => {
      const s = await factory();
      const bob: UserRef = { platform: 'slack', userId: 'U0BOB' };
      const carol: UserRef = { platform: 'discord', userId: '333' };
      await s.applyGrade(write({ cardId: 'a' }));
      await s.setTimezone(alice, 'Europe/Berlin');
      await s.applyGrade(write({ user: bob, cardId: 'a' }));
      await s.setTimezone(carol, 'Asia/Tokyo'); // a timezone, and never studied
      const exported = (await collect(s.exportUsers())).sort(byUser);
      expect(exported).toEqual(
        [
          { user: alice, decks: { k8s: { a: state(1) } }, timezone: 'Europe/Berlin' },
          { user: bob, decks: { k8s: { a: state(1) } } },
          { user: carol, decks: {}, timezone: 'Asia/Tokyo' },
        ].sort(byUser),
      );
      expect(exported.find((u) => u.user.userId === bob.userId)).not.toHaveProperty('timezone');

      const restored = await factory();
      await restored.setTimezone(bob, 'Pacific/Auckland');
      for (const u of exported) await restored.importUser(u);
      expect(await restored.getTimezone(alice)).toBe('Europe/Berlin');
      expect(await restored.getTimezone(carol)).toBe('Asia/Tokyo');
      // A record without a timezone keeps the user's own, as decks missing from a record are kept.
      expect(await restored.getTimezone(bob)).toBe('Pacific/Auckland');
      expect(await restored.getState(bob, 'k8s', 'a')).toBe(state(1));
    });

    it('rejects a malformed import before writing anything', async () => {
      const s = await factory();
      await expect(
        s.importUser({ user: alice, decks: { k8s: { a: state(1) }, git: { b: 'v1|garbage' } } }),
      ).rejects.toBeInstanceOf(RangeError);
      await expect(
        s.importUser({ user: alice, decks: { k8s: { a: state(1) } }, timezone: 'Mars/Olympus' }),
      ).rejects.toBeInstanceOf(RangeError);
      expect(await s.knownCards(alice, 'k8s')).toEqual(new Set());
      expect(await s.getTimezone(alice)).toBeNull();
      expect(await collect(s.exportUsers())).toEqual([]);
    });

    it('keeps the last 500 review log lines, newest first', async () => {
      const s = await factory();
      let expected: string | null = null;
      for (let i = 0; i < 505; i++) {
        const next = state(i);
        await s.applyGrade(write({ cardId: 'a', expected, next, isNew: i === 0, log: `line ${i}` }));
        expected = next;
      }
      const log = await s.reviewLog(alice);
      expect(log).toHaveLength(500);
      expect(log[0]).toBe('line 504');
      expect(log[499]).toBe('line 5');
      expect(await s.reviewLog(alice, 2)).toEqual(['line 504', 'line 503']);
    });
  });
}
