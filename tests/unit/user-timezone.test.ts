import { describe, expect, it } from 'vitest';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { actor, HOUR, ManualClock, MINUTE, testDeck } from '../helpers/engine.js';

/** Issue 14: a user's study day follows their own timezone, the bot's one otherwise. */

const T0 = Date.UTC(2026, 10, 25, 9, 0); // 18:00 in Tokyo, 10:00 in Berlin

function button(view: View, label: RegExp): string {
  const b = view.buttons?.flat().find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(view.buttons)}`);
  return b.actionId;
}

function build() {
  const clock = new ManualClock(T0);
  const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
  const decks = new DeckSet([testDeck(3, { newPerDay: 1 })]);
  const engine = new QuizEngine({
    review: new ReviewService({ store, decks, clock, timezone: 'Europe/Berlin' }),
    decks,
  });
  return { clock, engine };
}

async function studyOneEasy(engine: QuizEngine, who: ReturnType<typeof actor>): Promise<void> {
  const v = await engine.review(who, 'test');
  expect(v.text).toContain('Question 1?');
  const shown = await engine.action(who, button(v, /Show answer/));
  const graded = await engine.action(who, button(shown.view, /Easy/));
  expect(graded.view.text).toContain('Nothing due');
}

describe('per-user study timezone', () => {
  it('starts the user’s day at their midnight; others keep the bot’s zone', async () => {
    const { clock, engine } = build();
    const alice = actor('alice');
    const bob = actor('bob');
    const set = await engine.timezone(alice, 'Asia/Tokyo');
    expect(set.private).toBe(true);
    expect(set.text).toContain('Asia/Tokyo');
    await studyOneEasy(engine, alice);
    await studyOneEasy(engine, bob);
    // 00:30 in Tokyo (a new day for alice), 16:30 in Berlin (still the same day for bob).
    clock.ms = T0 + 6 * HOUR + 30 * MINUTE;
    expect((await engine.review(alice, 'test')).text).toContain('Question 2?');
    expect((await engine.review(bob, 'test')).text).toContain('Nothing due');
    // At 00:30 in Berlin bob gets his next new card too.
    clock.ms = T0 + 14 * HOUR + 30 * MINUTE;
    expect((await engine.review(bob, 'test')).text).toContain('Question 2?');
  });

  it('shows the current zone (or the fallback) without a value, refuses a bad zone privately', async () => {
    const { engine } = build();
    const alice = actor('alice');
    const none = await engine.timezone(alice, null);
    expect(none.private).toBe(true);
    expect(none.text).toContain('Europe/Berlin');
    const bad = await engine.timezone(alice, 'Mars/Olympus');
    expect(bad.private).toBe(true);
    expect(bad.code).toBe('bad_argument');
    expect(bad.text).toContain('Europe/Berlin'); // the parser's example names real zones
    const abbr = await engine.timezone(alice, 'EST');
    expect(abbr.code).toBe('bad_argument');
    expect((await engine.timezone(alice, '')).text).toContain('not set');
    await engine.timezone(alice, 'america/new_york');
    expect((await engine.timezone(alice, undefined)).text).toContain('America/New_York');
  });
});
