import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { countTrips } from '../helpers/round-trips.js';

const press = (v: View, label: RegExp) => v.buttons?.flat().find((b) => label.test(b.label))?.actionId ?? '';

describe('Redis round trips on the review hot paths', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it('a grade click costs 2 round trips (read the state; one grade script that also reads the next card); show answer 1', async () => {
    const decks = new DeckSet([testDeck(3)]);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
    const store = new RedisReviewStore(redis, new Keys(`${server.prefix}rt`));
    const engine = new QuizEngine({ review: new ReviewService({ store, decks, clock }), decks });
    const alice = actor('alice');
    // Warm up once so the scripts are loaded (a first EVALSHA may fall back to EVAL).
    const v0 = await engine.review(alice, 'test');
    const s0 = await engine.action(alice, press(v0, /Show answer/));
    await engine.action(alice, press(s0.view, /^Good/));
    clock.advance(11 * 60_000);

    const trips = countTrips(redis);
    const v = await engine.review(alice, 'test'); // c1 is due again
    expect(v.text).toContain('Question 1?');
    // The user's timezone read 11 min ago is past its cache TTL: one GET, then the queue.
    expect(trips.count).toBe(2);
    trips.reset();
    const again = await engine.review(alice, 'test'); // within the TTL: the queue alone
    expect(again.text).toContain('Question 1?');
    expect(trips.count).toBe(1);
    trips.reset();
    const shown = await engine.action(alice, press(v, /Show answer/));
    expect(trips.count).toBe(1);
    trips.reset();
    const graded = await engine.action(alice, press(shown.view, /^Easy/));
    expect(graded.view.text).toContain('Easy — next review in');
    // Next is a new card: the user's known cards are read once more (HKEYS), only on that path.
    expect(graded.view.text).toContain('Question 2?');
    expect(trips.count).toBe(3);

    // Learn c2 too; a month later both are due: grading one with the other next is exactly 2.
    const s1 = await engine.action(alice, press(graded.view, /Show answer/));
    await engine.action(alice, press(s1.view, /^Easy/));
    clock.advance(30 * 86_400_000);
    const v2 = await engine.review(alice, 'test');
    const s2 = await engine.action(alice, press(v2, /Show answer/));
    trips.reset();
    const after = await engine.action(alice, press(s2.view, /^Good/));
    expect(after.view.text).toMatch(/Question [12]\?/);
    expect(after.view.footer).toBe('1 due now');
    expect(trips.count).toBe(2);
    // The second round trip runs one script (the grade reads the next card itself); beside it only
    // the team's review log (another slot, so outside the script).
    // The first round trip: the gradeRead script (state, its due score, timezone) alone, the team's
    // weights being kept from the reviews above (WeightsCache); the second: the grade script, the
    // team's review log (teamLog script, another slot) and the fit index's SADD, sent at once.
    expect(trips.commands).toEqual(['evalsha', 'evalsha', 'evalsha', 'sadd']);
  });

  it('in a DM (no team), a grade click is two scripts alone: gradeRead, then grade', async () => {
    const decks = new DeckSet([testDeck(3)]);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
    const store = new RedisReviewStore(redis, new Keys(`${server.prefix}dm`));
    const engine = new QuizEngine({ review: new ReviewService({ store, decks, clock }), decks });
    const bob = actor('bob', { team: null });
    for (let i = 0; i < 2; i++) {
      const v = await engine.review(bob, 'test');
      const s = await engine.action(bob, press(v, /Show answer/));
      await engine.action(bob, press(s.view, /^Easy/));
    }
    clock.advance(30 * 86_400_000);
    const v = await engine.review(bob, 'test');
    const shown = await engine.action(bob, press(v, /Show answer/));
    const trips = countTrips(redis);
    const graded = await engine.action(bob, press(shown.view, /^Good/));
    expect(graded.view.footer).toBe('1 due now');
    expect(trips.count).toBe(2);
    // No pipeline on either trip: the state, its due and the timezone are read by one script.
    expect(trips.commands).toEqual(['evalsha', 'evalsha']);
  });

  it('a grade whose next-card snapshot names only cards removed from the deck reads the whole queue, and shows the due card behind them', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
    const store = new RedisReviewStore(redis, new Keys(`${server.prefix}gone`));
    const full = new DeckSet([testDeck(8)]);
    const learn = new QuizEngine({ review: new ReviewService({ store, decks: full, clock }), decks: full });
    const carol = actor('carol', { team: null });
    for (let i = 0; i < 6; i++) {
      const v = await learn.review(carol, 'test');
      const s = await learn.action(carol, press(v, /Show answer/));
      await learn.action(carol, press(s.view, /^Good/)); // due 10 min later, c1 first
      clock.advance(60_000);
    }
    clock.advance(86_400_000);
    // c1..c4, the four oldest due, leave the deck: more than a grade's snapshot names.
    const gone = new Set(['c1', 'c2', 'c3', 'c4']);
    const smaller = new DeckSet([
      { ...testDeck(8), cards: testDeck(8).cards.filter((c) => !gone.has(c.id)) },
    ]);
    const engine = new QuizEngine({
      review: new ReviewService({ store, decks: smaller, clock }),
      decks: smaller,
    });
    const v = await engine.review(carol, 'test');
    expect(v.text).toContain('Question 5?');
    const shown = await engine.action(carol, press(v, /Show answer/));
    const trips = countTrips(redis);
    const graded = await engine.action(carol, press(shown.view, /^Good/));
    // c6 is due: shown before any new card (c7), as with a snapshot of every due id.
    expect(graded.view.text).toContain('Question 6?');
    expect(graded.view.footer).toBe('5 due now');
    // gradeRead, grade (its snapshot: c1..c4 only), the whole queue, then c6's state (HGET, ZSCORE:
    // the queue carries only the oldest due card's): 4 round trips on this rare path.
    expect(trips.commands).toEqual(['evalsha', 'evalsha', 'evalsha', 'hget', 'zscore']);
    expect(trips.count).toBe(4);
  });
});
