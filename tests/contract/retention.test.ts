import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardsFor } from '../../src/engine/leaderboard.js';
import type { DailyRound, TeamRef, UserRef } from '../../src/engine/ports.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { RETENTION } from '../../src/store/retention.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from './team-store.helpers.js';

// Issue 11, item 5: 400 days of use on an injected clock, on the test's own real redis-server.
// Each user's and the team's keys (count and size) must stay bounded by the retention policy
// (README "Retention"), not grow with the days.

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const DAYS = 400;
const KEEP = 14 * DAY;
const TEAM: TeamRef = { platform: 'discord', teamId: 'g-retention' };
const CHANNELS = ['C1', 'C2'];
const USERS = Array.from({ length: 12 }, (_, i) => `u${i}`);
/** Daily-quiz players come and go: 10 a day out of a window that moves by 2 players a week. */
const playersOn = (d: number) => Array.from({ length: 10 }, (_, j) => `p${Math.floor(d / 7) * 2 + j}`);

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});

afterAll(async () => {
  if (redis) await cleanupPrefix(redis, server);
  redis?.disconnect();
  await server?.dispose();
});

const dateOf = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);

/** Every key under a prefix with its type and size (HLEN, ZCARD, SCARD, ...). */
async function census(match: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      const type = await redis.type(key);
      const size =
        type === 'hash'
          ? await redis.hlen(key)
          : type === 'zset'
            ? await redis.zcard(key)
            : type === 'set'
              ? await redis.scard(key)
              : type === 'list'
                ? await redis.llen(key)
                : 1;
      out.set(key, size);
    }
  } while (cursor !== '0');
  return out;
}

describe('retention: 400 days of use stay bounded (real Redis, injected clock)', () => {
  it('per-user and per-team keys stop growing', async () => {
    const keys = new Keys(`${server.prefix}ret`);
    const team = new RedisTeamStore(redis, keys);
    const review = new RedisReviewStore(redis, keys);
    const checkpoints: { day: number; teamKeys: number; teamSize: number; userSize: number }[] = [];
    const states = new Map<string, string | null>();

    for (let d = 0; d < DAYS; d++) {
      const date = dateOf(d);
      const opens = T0 + d * DAY + 9 * 3_600_000;
      // Every user reviews a card every day.
      for (const u of USERS) {
        const user: UserRef = { platform: 'discord', userId: u };
        const expected = states.get(u) ?? null;
        const next = `s${d}`;
        const out = await review.applyGrade({
          user,
          deckId: 'k8s',
          cardId: 'c1',
          expected,
          next,
          due: opens + DAY,
          day: date,
          isNew: expected === null,
          recalled: expected === null ? null : d % 2 === 0,
          log: `l${d}`,
        });
        expect(out).toBe('applied');
        states.set(u, next);
      }
      // Every 50 days channel C2 moves to another deck, and on day 350 it is unscheduled for good.
      if (d % 50 === 0 && d < 350) {
        const deck = `deck${d / 50}`;
        await team.putSchedule(TEAM, {
          channelId: 'C2',
          deckId: deck,
          time: '09:00',
          timezone: 'UTC',
          weekdays: [1, 2, 3, 4, 5, 6, 7],
          close: { kind: 'after', minutes: 480 },
          paused: false,
          updatedBy: 'admin',
          updatedAt: opens,
        });
      }
      if (d === 350) expect(await team.deleteSchedule(TEAM, 'C2')).toBe(true);
      // Both channels run a round (C2 while scheduled); a third of the day's players answer each.
      for (const ch of d >= 350 ? ['C1'] : CHANNELS) {
        const round: DailyRound = {
          roundId: `${ch}-${date.replaceAll('-', '')}`,
          channelId: ch,
          date,
          deckId: ch === 'C1' ? 'k8s' : `deck${Math.floor(d / 50)}`,
          cardId: `c${d % 40}`,
          form: 0,
          order: [0, 1, 2, 3],
          correct: 1,
          opensAt: opens,
          closesAt: opens + 8 * 3_600_000,
          prevDate: d > 0 ? dateOf(d - 1) : null,
          status: 'open',
          message: null,
          revealed: false,
        };
        const lease = { owner: 'p', now: opens, leaseMs: 60_000, maxAttempts: 3, keepMs: KEEP };
        const c = await team.claimRound(TEAM, round, lease);
        if (c.status !== 'claimed') throw new Error(`day ${d}: claim ${c.status}`);
        const message = { channelId: ch, messageId: `m${d}${ch}` };
        const post = { generation: c.generation, message, resetAsked: d % 40 === 0, keepMs: KEEP };
        expect(await team.recordPost(TEAM, round, post)).toBe('ok');
        for (const [i, u] of playersOn(d).entries()) {
          if ((i + d) % 3 === 0) continue;
          await team.answer(TEAM, round.roundId, u, i % 2, opens + 60_000 + i, `Name ${u}`);
        }
        const out = await team.closeRound(TEAM, round.roundId, {
          now: round.closesAt,
          boards: boardsFor(date),
          points: 10,
          bonus: [5, 3, 1],
          fastest: 3,
          keepMs: KEEP,
        });
        expect(out.status).toBe('closed');
      }
      if (d % 50 === 49) {
        const t = await census(`${keys.prefix}:{t:*`);
        const u = await census(`${keys.prefix}:{u:*`);
        checkpoints.push({
          day: d,
          teamKeys: t.size,
          teamSize: [...t.values()].reduce((a, b) => a + b, 0),
          // The review log is capped at 500 lines (it fills up over the first 500 days by design).
          userSize: [...u].filter(([k]) => !k.endsWith(':log')).reduce((a, [, b]) => a + b, 0),
        });
      }
    }

    const teamKeys = await census(`${keys.prefix}:{t:*`);
    const userKeys = await census(`${keys.prefix}:{u:*`);
    // Per user: cards, due, days:<deck>, days, log, decks; nothing per day.
    expect(userKeys.size).toBeLessThanOrEqual(6 * USERS.length);
    const names = [...teamKeys.keys()].map((k) => k.slice(k.indexOf('}:') + 2));
    const count = (re: RegExp) => names.filter((n) => re.test(n)).length;

    // Rounds, answers and claims of the last `keep` days only (two channels), by the caller's clock.
    const kept = KEEP / DAY + 1;
    expect(count(/^round:/)).toBeLessThanOrEqual(CHANNELS.length * kept);
    expect(count(/^ans:/)).toBeLessThanOrEqual(CHANNELS.length * kept);
    expect(count(/^claim:/)).toBeLessThanOrEqual(CHANNELS.length * kept);
    // Week boards of the last 13 weeks (+ the current), month boards of the last 400 days, one all-time.
    expect(count(/^lb:w:/)).toBeLessThanOrEqual(RETENTION.weekBoardMs / (7 * DAY) + 2);
    expect(count(/^lb:m:/)).toBeLessThanOrEqual(Math.ceil(RETENTION.monthBoardMs / (28 * DAY)) + 1);
    expect(count(/^lb:all$/)).toBe(1);
    // No open round left behind; the gc index holds only what is still kept.
    expect(teamKeys.get(keys.teamOpenRounds(TEAM)) ?? 0).toBe(0);
    expect(teamKeys.get(keys.teamGc(TEAM)) ?? 0).toBeLessThanOrEqual(
      3 * CHANNELS.length * kept + 2 * (RETENTION.weekBoardMs / (7 * DAY) + 2) + 16,
    );

    // Members who stopped playing are forgotten after 180 days: names, streaks and last-seen hold
    // only the players of the last 180 days (about 26 weeks x 2 + 10), not the 120 of all 400 days.
    const recent = 2 * Math.ceil(RETENTION.memberIdleMs / (7 * DAY)) + 12;
    expect(teamKeys.get(keys.teamNames(TEAM))).toBeLessThanOrEqual(recent);
    expect(teamKeys.get(keys.teamStreaks(TEAM))).toBeLessThanOrEqual(recent);
    expect(teamKeys.get(keys.teamSeen(TEAM))).toBeLessThanOrEqual(recent);
    // (Far fewer than all who ever played, or the bound would prove nothing.)
    expect(new Set(playersOn(0)).size + 2 * Math.floor((DAYS - 1) / 7)).toBeGreaterThan(1.8 * recent);
    // One no-repeat cycle per scheduled channel and deck: C2's old decks and C2 itself left none.
    expect(count(/^asked:/)).toBe(1);
    expect(await team.askedCards(TEAM, 'C1', 'k8s')).not.toEqual(new Set());

    // Each user: day counters of the last 60 days only (4 fields a day per hash at most).
    for (const u of USERS) {
      const user: UserRef = { platform: 'discord', userId: u };
      expect(await redis.hlen(keys.days(user))).toBeLessThanOrEqual(3 * RETENTION.dayCounterDays);
      expect(await redis.hlen(keys.deckDays(user, 'k8s'))).toBeLessThanOrEqual(4 * RETENTION.dayCounterDays);
      expect(await redis.llen(keys.log(user))).toBeLessThanOrEqual(500);
    }

    // And the totals stopped growing: the last checkpoints are no bigger than day 150's.
    const at150 = checkpoints.find((c) => c.day === 149);
    const last = checkpoints.at(-1);
    expect(at150 && last).toBeTruthy();
    if (at150 && last) {
      expect(last.userSize).toBeLessThanOrEqual(at150.userSize);
      // Month boards keep accruing until 400 days: allow those, nothing else.
      expect(last.teamKeys).toBeLessThanOrEqual(at150.teamKeys + 10);
    }
  }, 120_000);
});
