import { createEmptyCard, fsrs, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import { packCard } from '../../src/engine/cardstate.js';
import type { GradeWrite, TeamRef, UserRef } from '../../src/engine/ports.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { noWait, type WaitPolicy, waitFor } from '../../src/store/redis/wait.js';
import { countTrips } from '../helpers/round-trips.js';
import { useTestRedis } from '../helpers/use-redis.js';

/*
 * A grade in a team writes in three slots: the user's (the grade script), the team's (its review
 * log, the teamLog script) and a bucket of the fit job's index. Without WAIT the three go out at
 * once, each alone; with REDIS_WAIT_REPLICAS the grade's slot is one pipeline with WAIT after the
 * grade. Both paths: applied once, one log line, the team indexed; a conflict takes its line back.
 */

const T0 = Date.UTC(2026, 10, 30, 9);
const team: TeamRef = { platform: 'discord', teamId: 'G1' };
const alice: UserRef = { platform: 'discord', userId: '111' };
const f = fsrs();
const first = packCard(f.next(createEmptyCard(new Date(T0)), new Date(T0), Rating.Good).card);
const second = packCard(f.next(createEmptyCard(new Date(T0)), new Date(T0), Rating.Easy).card);

const write = (over: Partial<GradeWrite>): GradeWrite => ({
  user: alice,
  deckId: 'k8s',
  cardId: 'c1',
  expected: null,
  next: first,
  due: T0 + 600_000,
  day: '2026-11-30',
  isNew: true,
  recalled: null,
  log: `${T0}|c1|3`,
  team: { ref: team, line: `line-${over.next ?? first}`, at: T0 },
  ...over,
});

describe('a grade in a team: the writes in three slots (Redis)', () => {
  const db = useTestRedis();

  const shorts: string[] = [];
  const cases: [string, WaitPolicy, string[]][] = [
    ['no WAIT: each command alone, at once', noWait, ['evalsha', 'sadd', 'evalsha', 'sadd']],
    [
      // No replica here: WAIT answers 0 after its timeout, which is reported (onShort), not failed.
      'REDIS_WAIT_REPLICAS=1: one pipeline with WAIT after the grade',
      waitFor(1, { timeoutMs: 20, pauseMs: 0, onShort: (what) => shorts.push(what) }),
      ['evalsha', 'wait', 'sadd', 'evalsha', 'sadd'],
    ],
  ];
  for (const [name, wait, sent] of cases)
    it(name, async () => {
      const keys = new Keys(`${db.server.prefix}${wait === noWait ? 'nw' : 'w'}`);
      const store = new RedisReviewStore(db.redis, keys, wait);
      await store.prepareDecks([{ id: 'k8s', cards: [{ id: 'c1' }] }]);
      const trips = countTrips(db.redis);
      expect(await store.applyGrade(write({}))).toBe('applied');
      expect(trips.count).toBe(1);
      expect(trips.commands).toEqual(sent);
      expect(await store.getState(alice, 'k8s', 'c1')).toBe(first);
      expect(await db.redis.lrange(keys.teamReviewLog(team), 0, -1)).toEqual([`line-${first}`]);
      expect(await db.redis.pttl(keys.teamReviewLog(team))).toBeGreaterThan(0);
      expect(await db.redis.smembers(keys.fsrsTeams(team))).toEqual([keys.teamMember(team)]);
      // A second grade from the same stale state loses: nothing written, its log line taken back.
      expect(await store.applyGrade(write({ next: second }))).toBe('conflict');
      expect(await store.getState(alice, 'k8s', 'c1')).toBe(first);
      expect(await db.redis.lrange(keys.teamReviewLog(team), 0, -1)).toEqual([`line-${first}`]);
      if (wait !== noWait) expect(shorts).toEqual(['grade', 'grade']);
    });
});
