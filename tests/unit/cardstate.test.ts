import { type Card, createEmptyCard, fsrs, type Grade, Rating, State } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import { MAX_PACKED_BYTES, newCard, packCard, packedReps, unpackCard } from '../../src/engine/cardstate.js';

const f = fsrs();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A deliberately non-round start (ms and seconds) so rounding is exercised. */
const T0 = Date.UTC(2025, 0, 1, 8, 13, 27, 456);
const at = (ms: number) => new Date(T0 + ms);

/** Runs ratings through FSRS, each `gap` after the previous review; returns every card seen. */
function history(ratings: Grade[], gap: (i: number, card: Card) => number): Card[] {
  let card = createEmptyCard(at(0));
  let now = T0;
  const seen = [card];
  ratings.forEach((r, i) => {
    card = f.next(card, new Date(now), r).card;
    seen.push(card);
    now += gap(i, card);
  });
  return seen;
}

/** One card of every FSRS state, from fixed-date sequences. */
function cardsByState(): Record<'New' | 'Learning' | 'Review' | 'Relearning', Card> {
  const seen = history([Rating.Again, Rating.Good, Rating.Good, Rating.Good, Rating.Again], (i) =>
    i < 2 ? 10 * 60_000 : 5 * DAY + 1234,
  );
  const pick = (s: State) => {
    const c = seen.find((x) => x.state === s);
    if (!c) throw new Error(`no card in state ${State[s]}`);
    return c;
  };
  return {
    New: pick(State.New),
    Learning: pick(State.Learning),
    Review: pick(State.Review),
    Relearning: pick(State.Relearning),
  };
}

/** Long, varied histories: many reps and lapses, long intervals. */
function manyCards(): Card[] {
  const out: Card[] = [];
  const grades: Grade[] = [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy];
  for (let seed = 0; seed < 20; seed++) {
    const ratings = Array.from(
      { length: 60 },
      (_, i) => grades[(i * 7 + seed * 3 + ((i * seed) % 5)) % 4] ?? 3,
    );
    out.push(
      ...history(ratings, (i, card) =>
        card.state === State.Review ? card.scheduled_days * DAY + ((i * 7919) % DAY) : 10 * 60_000 + i * 1001,
      ),
    );
  }
  // The largest values FSRS allows.
  out.push({
    ...createEmptyCard(at(0)),
    stability: 36_500.123456,
    difficulty: 9.99999,
    scheduled_days: 36_500,
  });
  out.push({
    ...createEmptyCard(at(0)),
    reps: 99_999,
    lapses: 9_999,
    state: State.Relearning,
    last_review: at(0),
  });
  return out;
}

const closeTo = (a: number, b: number, rel = 1e-5) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(Math.abs(b) * rel, 1e-9));

describe('packed card state', () => {
  const byState = cardsByState();

  it.each(Object.entries(byState))('round-trips a %s card', (_name, card) => {
    const packed = packCard(card);
    expect(packed.length).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    const back = unpackCard(packed);
    expect(back.state).toBe(card.state);
    expect(Math.abs(back.due.getTime() - card.due.getTime())).toBeLessThanOrEqual(500);
    closeTo(back.stability, card.stability);
    closeTo(back.difficulty, card.difficulty);
    expect(back.scheduled_days).toBe(card.scheduled_days);
    expect(back.learning_steps).toBe(card.learning_steps);
    expect(back.reps).toBe(card.reps);
    expect(back.lapses).toBe(card.lapses);
    if (card.last_review) {
      expect(Math.abs((back.last_review?.getTime() ?? 0) - card.last_review.getTime())).toBeLessThanOrEqual(
        500,
      );
    } else {
      expect(back.last_review).toBeUndefined();
    }
    expect(packCard(back)).toBe(packed);
  });

  it('packs a fresh card without a last review', () => {
    const packed = packCard(newCard(T0));
    expect(packed).toMatch(/^v1\|0\|[0-9a-z]+\|0\|0\|0\|0\|0\|0\|$/);
    expect(unpackCard(packed).last_review).toBeUndefined();
  });

  it('pack(unpack(p)) === p and stays within 64 bytes over long histories', () => {
    const cards = manyCards();
    expect(cards.length).toBeGreaterThan(1000);
    for (const card of cards) {
      const p = packCard(card);
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PACKED_BYTES);
      expect(packCard(unpackCard(p))).toBe(p);
    }
  });

  it.each([
    ['empty', ''],
    ['another version', 'v2|0|spduo0|0|0|0|0|0|0|'],
    ['too few fields', 'v1|0|spduo0|0|0|0|0|0|0'],
    ['too many fields', 'v1|0|spduo0|0|0|0|0|0|0||'],
    ['unknown state', 'v1|7|spduo0|0|0|0|0|0|0|'],
    ['state by name', 'v1|New|spduo0|0|0|0|0|0|0|'],
    ['bad due', 'v1|0|SP-DU|0|0|0|0|0|0|'],
    ['empty due', 'v1|0||0|0|0|0|0|0|'],
    ['non-numeric stability', 'v1|1|spdupo|abc|6.4|0|0|1|0|spduo0'],
    ['empty difficulty', 'v1|1|spdupo|0.2||0|0|1|0|spduo0'],
    ['infinite stability', 'v1|1|spdupo|Infinity|6.4|0|0|1|0|spduo0'],
    ['negative reps', 'v1|1|spdupo|0.2|6.4|0|0|-1|0|spduo0'],
    ['fractional lapses', 'v1|1|spdupo|0.2|6.4|0|0|1|0.5|spduo0'],
    ['bad last review', 'v1|1|spdupo|0.2|6.4|0|0|1|0|!'],
  ])('rejects a malformed string (%s)', (_what, s) => {
    expect(() => unpackCard(s)).toThrow(RangeError);
  });

  it('packedReps reads the review count as unpackCard does, and refuses what it refuses', () => {
    for (const card of Object.values(byState)) expect(packedReps(packCard(card))).toBe(card.reps);
    expect(packedReps(packCard(newCard(T0)))).toBe(0);
    for (const bad of ['', 'v1|2|x', 'v2|2|a|1|1|0|0|5|0|', 'v1|2|a|1|1|0|0|x|0|'])
      expect(() => packedReps(bad)).toThrow(RangeError);
  });

  it('refuses to pack a non-finite number', () => {
    expect(() => packCard({ ...byState.Review, stability: Number.NaN })).toThrow(RangeError);
  });

  it.each(Object.entries(byState))('schedules an unpacked %s card like the original', (_name, card) => {
    const restored = unpackCard(packCard(card));
    for (const later of [0, 10 * 60_000, 3 * DAY + 17_000, 40 * DAY]) {
      const now = new Date(Math.max(card.due.getTime(), card.last_review?.getTime() ?? T0) + later);
      for (const r of [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy] as Grade[]) {
        const a = f.next(card, now, r).card;
        const b = f.next(restored, now, r).card;
        expect(b.state).toBe(a.state);
        expect(b.scheduled_days).toBe(a.scheduled_days);
        expect(b.learning_steps).toBe(a.learning_steps);
        expect(b.reps).toBe(a.reps);
        expect(b.lapses).toBe(a.lapses);
        expect(Math.abs(b.due.getTime() - a.due.getTime())).toBeLessThanOrEqual(1000);
        closeTo(b.stability, a.stability, 1e-4);
        closeTo(b.difficulty, a.difficulty, 1e-4);
      }
    }
  });
});
