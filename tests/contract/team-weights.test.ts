import { describe, expect, it } from 'vitest';
import { DEFAULT_W } from '../../src/engine/fsrs/params.js';
import type { TeamRef, UserRef } from '../../src/engine/ports.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { WeightsCache } from '../../src/store/redis/weights-cache.js';
import { fittedParams } from '../helpers/fsrs-params.js';
import { countTrips } from '../helpers/round-trips.js';
import { useTestRedis } from '../helpers/use-redis.js';

/*
 * A grade in a team schedules with the team's fitted FSRS weights. They change only when a fit is
 * adopted, so a process keeps them a short while (WeightsCache) and a rating click's first round
 * trip is then the gradeRead script alone. What that promises: weights adopted anywhere reach this
 * process's grades once the TTL has run out, never later.
 */

const T0 = Date.UTC(2026, 10, 30, 9);
const TTL = 60_000;
const team: TeamRef = { platform: 'discord', teamId: 'G1' };
const alice: UserRef = { platform: 'discord', userId: '111' };

/** A valid weight vector (21 numbers), told apart by `k`. */
const W = (k: number) => DEFAULT_W.map((x) => Math.round(x * (1 + k / 100) * 1e4) / 1e4);

const params = (w: number[]) => fittedParams(w, T0);

describe('team FSRS weights on the grade path (Redis)', () => {
  const db = useTestRedis();

  const DECKS = ['k8s', 'other'].map((id) => ({ id, cards: [{ id: 'c1' }] }));

  async function rig(prefix: string) {
    let now = T0;
    const keys = new Keys(`${db.server.prefix}${prefix}`);
    const cache = new WeightsCache(TTL, () => now);
    const review = new RedisReviewStore(db.redis, keys, undefined, undefined, cache);
    await review.prepareDecks(DECKS); // card keys learnt, as at start: no round trip for them later
    return {
      review,
      fsrs: new RedisFsrsStore(db.redis, keys),
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('reads them beside the state in one round trip, then keeps them: later reads are gradeRead alone', async () => {
    const r = await rig('w1');
    await r.fsrs.saveParams(team, null, params(W(1)));
    const trips = countTrips(db.redis);
    const first = await r.review.readForGrade(alice, 'k8s', 'c1', team);
    expect(first).toEqual({ state: null, w: W(1), tz: null });
    expect(trips.count).toBe(1);
    expect(trips.commands).toEqual(['evalsha', 'hmget']);
    trips.reset();
    expect(await r.review.readForGrade(alice, 'k8s', 'c1', team)).toEqual(first);
    expect(trips.commands).toEqual(['evalsha']);
    // A DM never reads weights.
    trips.reset();
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', null)).w).toBeNull();
    expect(trips.commands).toEqual(['evalsha']);
  });

  it('weights adopted after they were kept reach the grade when the TTL runs out, not before', async () => {
    const r = await rig('w2');
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', team)).w).toBeNull(); // defaults, kept
    await r.fsrs.saveParams(team, null, params(W(2)));
    r.advance(TTL - 1);
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', team)).w).toBeNull();
    r.advance(1);
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', team)).w).toEqual(W(2));
    // A deck's own weights win over the team's, kept per deck.
    await r.fsrs.saveParams(team, 'k8s', params(W(3)));
    r.advance(TTL);
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', team)).w).toEqual(W(3));
    expect((await r.review.readForGrade(alice, 'other', 'c1', team)).w).toEqual(W(2));
    // A reset (or the team erased) goes back to the defaults the same way.
    await r.fsrs.resetParams(team);
    r.advance(TTL);
    expect((await r.review.readForGrade(alice, 'k8s', 'c1', team)).w).toBeNull();
  });

  it('with a TTL of 0 nothing is kept: every read in a team reads the weights', async () => {
    const keys = new Keys(`${db.server.prefix}w3`);
    const review = new RedisReviewStore(db.redis, keys, undefined, undefined, new WeightsCache(0));
    await review.prepareDecks(DECKS);
    const fsrs = new RedisFsrsStore(db.redis, keys);
    expect((await review.readForGrade(alice, 'k8s', 'c1', team)).w).toBeNull();
    await fsrs.saveParams(team, null, params(W(1)));
    const trips = countTrips(db.redis);
    expect((await review.readForGrade(alice, 'k8s', 'c1', team)).w).toEqual(W(1));
    expect(trips.commands).toEqual(['evalsha', 'hmget']);
  });
});
