import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAction, encodeAction, ownerTag } from '../../src/engine/actions.js';
import { unpackCard } from '../../src/engine/cardstate.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import type { ReviewStore } from '../../src/engine/ports.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { actor, DAY, HOUR, ManualClock, MINUTE, testDeck } from '../helpers/engine.js';

const T0 = Date.UTC(2026, 10, 25, 9, 0);
const alice = actor('alice');

function button(view: View, label: RegExp): string {
  const b = view.buttons?.flat().find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(view.buttons)}`);
  return b.actionId;
}

describe('ReviewService via QuizEngine', () => {
  let clock: ManualClock;
  let store: ReviewStore;
  let engine: QuizEngine;

  function build(newPerDay = 20, n = 3) {
    clock = new ManualClock(T0);
    store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const decks = new DeckSet([testDeck(n, { newPerDay })]);
    engine = new QuizEngine({
      review: new ReviewService({ store, decks, clock, timezone: 'Europe/Berlin' }),
      decks,
    });
  }
  beforeEach(() => build());

  it('shows new cards in deck order, reveals with interval labels, grades and moves on', async () => {
    const v1 = await engine.review(alice, 'test');
    expect(v1.text).toContain('Question 1?');
    expect(v1.private).toBe(true);
    const shown = await engine.action(alice, button(v1, /Show answer/));
    expect(shown.mode).toBe('update');
    expect(shown.view.text).toContain('Answer 1');
    const labels = shown.view.buttons?.flat().map((b) => b.label);
    expect(labels).toEqual(['Again · 1m', 'Hard · 6m', 'Good · 10m', 'Easy · 8d']);
    const graded = await engine.action(alice, button(shown.view, /^Good/));
    expect(graded.mode).toBe('update');
    expect(graded.view.text).toContain('Good — next review in 10m');
    expect(graded.view.text).toContain('Question 2?');
    const state = await store.getState(alice.user, 'test', 'c1');
    expect(state).not.toBeNull();
    expect(unpackCard(state as string).due.getTime()).toBe(T0 + 10 * MINUTE);
  });

  it('puts due cards before new ones, oldest due first', async () => {
    for (const grade of [/^Easy/, /^Good/]) {
      const v = await engine.review(alice, 'test');
      const s = await engine.action(alice, button(v, /Show answer/));
      await engine.action(alice, button(s.view, grade));
    }
    // c1 due in 8d (Easy), c2 due in 10m (Good); after 9 days both are due: c2 is older.
    clock.advance(9 * DAY);
    const v = await engine.review(alice, 'test');
    expect(v.text).toContain('Question 2?');
    expect(v.footer).toContain('2 due now');
  });

  it('skips due cards that were removed from the deck instead of getting stuck on them', async () => {
    for (const grade of [/^Good/, /^Good/]) {
      const v = await engine.review(alice, 'test');
      const s = await engine.action(alice, button(v, /Show answer/));
      await engine.action(alice, button(s.view, grade));
    }
    // c1 (the oldest due) leaves the deck; c2 must still come up, and then the new c3.
    const smaller = new DeckSet([{ ...testDeck(3), cards: testDeck(3).cards.filter((c) => c.id !== 'c1') }]);
    engine = new QuizEngine({ review: new ReviewService({ store, decks: smaller, clock }), decks: smaller });
    clock.advance(HOUR);
    const v = await engine.review(alice, 'test');
    expect(v.text).toContain('Question 2?');
    const s = await engine.action(alice, button(v, /Show answer/));
    const next = await engine.action(alice, button(s.view, /^Easy/));
    expect(next.view.text).toContain('Question 3?');
  });

  it('applies a double click once; the same click delivered twice reads the same both times', async () => {
    const v = await engine.review(alice, 'test');
    const s = await engine.action(alice, button(v, /Show answer/));
    const good = button(s.view, /^Good/);
    // The same click twice at once (Discord replicas, a Slack re-send): one write, two equal replies.
    const [a, b] = await Promise.all([engine.action(alice, good), engine.action(alice, good)]);
    expect(a.view.text).toContain('Good — next review in 10m');
    expect(b.view.text).toBe(a.view.text);
    // Pressed again later, the old button is recognised as already graded.
    const again = await engine.action(alice, good);
    expect(again.view.text).toContain('already graded');
    const counters = await store.dayCounters(alice.user, 'test', ['2026-11-25']);
    expect(counters[0]?.reviews).toBe(1);
  });

  it('of two different ratings pressed at once, one applies and the other says the card was graded', async () => {
    const v = await engine.review(alice, 'test');
    const s = await engine.action(alice, button(v, /Show answer/));
    const [a, b] = await Promise.all([
      engine.action(alice, button(s.view, /^Good/)),
      engine.action(alice, button(s.view, /^Easy/)),
    ]);
    expect(a.view.text).toContain('Good — next review in 10m');
    expect(b.view.text).toContain('That card was already graded');
    expect(unpackCard((await store.getState(alice.user, 'test', 'c1')) as string).due.getTime()).toBe(
      T0 + 10 * MINUTE,
    );
  });

  it('respects newPerDay per local day and says when the next card is due', async () => {
    build(2, 5);
    for (let i = 0; i < 2; i++) {
      const v = await engine.review(alice, 'test');
      const s = await engine.action(alice, button(v, /Show answer/));
      await engine.action(alice, button(s.view, /^Easy/));
    }
    const done = await engine.review(alice, 'test');
    expect(done.buttons).toBeUndefined();
    expect(done.text).toMatch(/Nothing due in Test deck\. Next card in 8d\./);
    // Next local day in Europe/Berlin (T0 is 10:00 there): two more new cards.
    clock.advance(15 * HOUR);
    const next = await engine.review(alice, 'test');
    expect(next.text).toContain('Question 3?');
  });

  it('computes stats: due, reviews today, retention and streak', async () => {
    build(20, 2);
    // Day 1 and day 2: learn then review.
    for (const g of [/^Easy/, /^Easy/]) {
      const v = await engine.review(alice, 'test');
      const s = await engine.action(alice, button(v, /Show answer/));
      await engine.action(alice, button(s.view, g));
    }
    clock.advance(9 * DAY);
    for (const g of [/^Good/, /^Again/]) {
      const v = await engine.review(alice, 'test');
      const s = await engine.action(alice, button(v, /Show answer/));
      await engine.action(alice, button(s.view, g));
    }
    const stats = await engine.stats(alice, 'test');
    const f = Object.fromEntries((stats.fields ?? []).map((x) => [x.name, x.value]));
    expect(f['Reviewed today']).toBe('2');
    expect(f['30-day retention']).toBe('50% (1/2)');
    expect(f.Streak).toBe('1 day');
    expect(f['Cards started']).toBe('2');
  });

  it('refuses buttons of another user, tampered ids, unknown decks and old versions', async () => {
    const v = await engine.review(alice, 'test');
    const reveal = button(v, /Show answer/);
    const bob = await engine.action(actor('bob'), reveal);
    expect(bob).toMatchObject({ mode: 'reply', view: { code: 'not_owner', private: true } });
    expect((await engine.action(alice, `${reveal}x`)).view.code).toBe('bad_action');
    expect((await engine.action(alice, 'q1:g:test:c1:9:0:abcdef12')).view.code).toBe('bad_action');
    expect((await engine.action(alice, 'q0:r:test:c1:abcdef12')).view.code).toBe('stale_action');
    expect((await engine.action(alice, 'x'.repeat(500))).view.code).toBe('bad_action');
    const gone = encodeAction({
      kind: 'reveal',
      deckId: 'test',
      cardId: 'gone',
      owner: ownerTag(alice.user),
    });
    expect((await engine.action(alice, gone)).view.code).toBe('unknown_card');
    expect((await engine.review(alice, 'nope')).code).toBe('unknown_deck');
  });

  it('turns a store failure into a private error view, logged once', async () => {
    const errors: unknown[] = [];
    const broken: ReviewStore = {
      ...store,
      queue: () => Promise.reject(Object.assign(new Error('down'), {})),
    } as ReviewStore;
    const decks = new DeckSet([testDeck(1)]);
    const e = new QuizEngine({
      review: new ReviewService({ store: broken, decks, clock }),
      decks,
      log: { error: (o) => errors.push(o), warn() {}, info() {}, debug() {} },
    });
    const v = await e.review(alice, 'test');
    expect(v).toMatchObject({ code: 'internal', private: true, tone: 'error' });
    expect(errors).toHaveLength(1);
  });
});

describe('action ids', () => {
  it('round-trip and fit Discord custom_id', () => {
    const owner = ownerTag({ platform: 'discord', userId: '123456789012345678' });
    const id = encodeAction({
      kind: 'grade',
      deckId: 'a'.repeat(32),
      cardId: 'b'.repeat(40),
      grade: 4,
      rev: 99999,
      owner,
    });
    expect(id.length).toBeLessThanOrEqual(100);
    expect(decodeAction(id)).toMatchObject({ kind: 'grade', grade: 4, rev: 99999 });
  });
});

describe('action id encoding', () => {
  const owner = ownerTag({ platform: 'slack', userId: 'U1' });
  it.each([
    { kind: 'reveal', deckId: 'k8s', cardId: 'c_1-x', owner },
    { kind: 'grade', deckId: 'k8s', cardId: 'c1', grade: 1, rev: 0, owner },
    { kind: 'next', deckId: 'k8s', owner },
    { kind: 'answer', roundId: 'C1-20261125-p0900', choice: 3 },
  ] as const)('encodes what decodes back: %o', (a) => {
    expect(decodeAction(encodeAction(a))).toEqual(a);
  });
  it('refuses to encode fields that would not decode', () => {
    expect(() => encodeAction({ kind: 'reveal', deckId: 'Bad Deck', cardId: 'c1', owner })).toThrow();
    expect(() =>
      encodeAction({ kind: 'grade', deckId: 'k8s', cardId: 'c1', grade: 1, rev: -1, owner }),
    ).toThrow();
    expect(() => encodeAction({ kind: 'answer', roundId: 'x'.repeat(61), choice: 1 })).toThrow();
    expect(() => encodeAction({ kind: 'answer', roundId: 'r', choice: 10 })).toThrow();
  });
});
