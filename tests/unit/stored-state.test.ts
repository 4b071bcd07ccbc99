import fc from 'fast-check';
import { createEmptyCard, fsrs, type Grade, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import {
  fromStoredState,
  packCard,
  storedStateBody,
  toStoredState,
  unpackCard,
} from '../../src/engine/cardstate.js';

const f = fsrs();
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1, 8, 13, 27, 456);

/** Every card a long varied history produces, with the due each was scheduled for. */
function cards(): { packed: string; due: number }[] {
  const out: { packed: string; due: number }[] = [];
  const grades: Grade[] = [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy];
  for (let seed = 0; seed < 8; seed++) {
    let card = createEmptyCard(new Date(T0));
    let now = T0;
    for (let i = 0; i < 40; i++) {
      card = f.next(card, new Date(now), grades[(i * 7 + seed * 3) % 4] ?? Rating.Good).card;
      out.push({ packed: packCard(card), due: card.due.getTime() });
      now = card.due.getTime() + ((i * 7919) % DAY);
    }
  }
  const extreme = { ...createEmptyCard(new Date(Date.UTC(2099, 11, 31, 23, 59, 59, 999))) };
  extreme.stability = 36_500;
  extreme.difficulty = 10;
  extreme.reps = 99_999;
  extreme.lapses = 9_999;
  extreme.scheduled_days = 36_500;
  extreme.last_review = new Date(Date.UTC(1999, 0, 1));
  out.push({ packed: packCard(extreme), due: extreme.due.getTime() });
  const old = createEmptyCard(new Date(Date.UTC(2001, 0, 1, 0, 0, 0, 500)));
  out.push({ packed: packCard(old), due: old.due.getTime() });
  return out;
}

describe('the stored (Redis) form of a packed state', () => {
  it('drops the version and the due, and reads back exactly with the due score', () => {
    for (const { packed, due } of cards()) {
      const stored = toStoredState(packed, due);
      expect(stored.split('|')).toHaveLength(8);
      expect(stored.length).toBeLessThan(packed.length - 3);
      expect(unpackCard(fromStoredState(stored, due)).due.getTime()).toBe(Math.round(due / 1000) * 1000);
      expect(fromStoredState(stored, due)).toBe(packed);
      expect(storedStateBody(packed)).toBe(stored);
    }
  });

  it('keeps a due that is not the score as a ninth field, and still reads back exactly', () => {
    const { packed } = cards()[3] as { packed: string };
    const score = T0 + 1;
    const stored = toStoredState(packed, score);
    expect(stored.split('|')).toHaveLength(9);
    expect(stored.startsWith(`${storedStateBody(packed)}|`)).toBe(true);
    expect(fromStoredState(stored, score)).toBe(packed);
  });

  it('rounds the score to seconds as the packed due does (half a second either side)', () => {
    const card = createEmptyCard(new Date(T0));
    const packed = packCard(card);
    expect(toStoredState(packed, T0).split('|')).toHaveLength(8);
    expect(fromStoredState(toStoredState(packed, T0), T0 - 400)).toBe(packed);
  });

  it('keeps a string that is not a packed state verbatim, after a mark no stored form starts with', () => {
    for (const odd of ['v2|1|2', 'x', '', '=', '2|77.5|4.7|77|0|5|0|tp27qs']) {
      const stored = toStoredState(odd, T0);
      expect(stored).toBe(`=${odd}`);
      expect(storedStateBody(odd)).toBe(stored);
      expect(fromStoredState(stored, Number.NaN)).toBe(odd);
    }
  });

  it('refuses a malformed stored state', () => {
    expect(() => fromStoredState('1|2|3', 0)).toThrow(RangeError);
    expect(() => fromStoredState('0|0|0|0|0|0|0|', Number.NaN)).toThrow(RangeError);
  });

  it('converts any string as the field-by-field definition does (split, drop or insert, join)', () => {
    // The definition the conversions follow, written the plain way: the fields split at `|`.
    const secs = (ms: number) => Math.round(new Date(ms).getTime() / 1000).toString(36);
    const body = (packed: string) => {
      const p = packed.split('|');
      return p.length !== 10 || p[0] !== 'v1' ? `=${packed}` : [p[1], ...p.slice(3)].join('|');
    };
    const toStored = (packed: string, score: number) => {
      const p = packed.split('|');
      if (p.length !== 10 || p[0] !== 'v1') return `=${packed}`;
      return p[2] === secs(score) ? body(packed) : `${body(packed)}|${p[2]}`;
    };
    const fromStored = (stored: string, score: number) => {
      if (stored.startsWith('=')) return stored.slice(1);
      const p = stored.split('|');
      if ((p.length !== 8 && p.length !== 9) || !Number.isFinite(score)) return 'throws';
      const due = p.length === 9 ? (p.pop() as string) : secs(score);
      return ['v1', p[0], due, ...p.slice(1)].join('|');
    };
    const field = fc.constantFrom('', '1', 'v1', 'tp27qs', '77.5', 'a|b');
    const text = fc.oneof(
      fc.string(),
      fc.array(field, { minLength: 6, maxLength: 11 }).map((f) => f.join('|')),
      fc.array(field, { minLength: 8, maxLength: 8 }).map((f) => `v1|${f.join('|')}`),
    );
    const score = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double());
    fc.assert(
      fc.property(text, score, (s, ms) => {
        expect(toStoredState(s, ms)).toBe(toStored(s, ms));
        expect(storedStateBody(s)).toBe(body(s));
        const back = fromStored(s, ms);
        if (back === 'throws') expect(() => fromStoredState(s, ms)).toThrow(RangeError);
        else expect(fromStoredState(s, ms)).toBe(back);
      }),
      { numRuns: 2_000 },
    );
  });
});
