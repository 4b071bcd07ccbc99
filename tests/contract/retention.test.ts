import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardsFor } from '../../src/engine/leaderboard.js';
import type { DailyRound, ReviewStore, TeamRef, TeamStore, UserRef } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore, type ReviewDoc } from '../../src/store/memory/review-store.js';
import type { TeamDoc } from '../../src/store/memory/team-data.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { RETENTION } from '../../src/store/retention.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { everyDaySchedule } from '../helpers/round-fixture.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

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

/** What one store holds for the team and the users, counted the same way for both stores. */
interface Census {
  /** Team data by kind: rounds, answers, claims, week/month/all boards, asked cycles. */
  round: number;
  ans: number;
  claim: number;
  week: number;
  month: number;
  all: number;
  asked: number;
  /** Entries of the team's open index, names, streaks, last-seen. */
  open: number;
  names: number;
  streaks: number;
  seen: number;
  /** Distinct days with review counters, per user (over all decks and in the deck), and log lines. */
  users: { allDays: number; deckDays: number; log: number }[];
  /** Everything the team holds (entries), and the users' without their capped logs. */
  teamTotal: number;
  userTotal: number;
}

const distinctDays = (fields: string[]) => new Set(fields.map((f) => f.slice(2))).size;

async function redisCensus(keys: Keys): Promise<Census> {
  const t = await census(`${keys.prefix}:{t:*`);
  const names = [...t.keys()].map((k) => k.slice(k.indexOf('}:') + 2));
  const count = (re: RegExp) => names.filter((n) => re.test(n)).length;
  const users: Census['users'] = [];
  for (const u of USERS) {
    const user: UserRef = { platform: 'discord', userId: u };
    users.push({
      allDays: distinctDays(await redis.hkeys(keys.days(user))),
      deckDays: distinctDays(await redis.hkeys(keys.deckDays(user, 'k8s'))),
      log: await redis.llen(keys.log(user)),
    });
  }
  const u = await census(`${keys.prefix}:{u:*`);
  // Per user: cards, due, days:<deck>, days, log, decks; nothing per day.
  expect(u.size).toBeLessThanOrEqual(6 * USERS.length);
  return {
    round: count(/^round:/),
    ans: count(/^ans:/),
    claim: count(/^claim:/),
    week: count(/^lb:w:/),
    month: count(/^lb:m:/),
    all: count(/^lb:all$/),
    asked: count(/^asked:/),
    open: t.get(keys.teamOpenRounds(TEAM)) ?? 0,
    names: t.get(keys.teamNames(TEAM)) ?? 0,
    streaks: t.get(keys.teamStreaks(TEAM)) ?? 0,
    seen: t.get(keys.teamSeen(TEAM)) ?? 0,
    users,
    teamTotal: [...t.values()].reduce((a, b) => a + b, 0),
    // The review log is capped at 500 lines (it fills up over the first 500 days by design).
    userTotal: [...u].filter(([k]) => !k.endsWith(':log')).reduce((a, [, b]) => a + b, 0),
  };
}

function memoryCensus(doc: PersistedDoc<TeamDoc & ReviewDoc>): Census {
  const d = doc.data.team?.teams[`${TEAM.platform}:${TEAM.teamId}`];
  if (!d) throw new Error('no team data');
  const boards = Object.keys(d.boards);
  const rounds = Object.values(d.rounds);
  const size = (o: object | undefined) => Object.keys(o ?? {}).length;
  const users = USERS.map((u) => {
    const data = doc.data.review?.users[`discord:${u}`];
    return { allDays: size(data?.days), deckDays: size(data?.decks.k8s?.days), log: data?.log.length ?? 0 };
  });
  const userTotal = USERS.reduce((n, u) => {
    const data = doc.data.review?.users[`discord:${u}`];
    const deck = data?.decks.k8s;
    return n + size(data?.days) + size(deck?.days) + size(deck?.cards) + size(deck?.due);
  }, 0);
  return {
    round: rounds.length,
    ans: rounds.filter((r) => size(r.answers) > 0).length,
    claim: size(d.claims),
    week: boards.filter((b) => b.startsWith('w:')).length,
    month: boards.filter((b) => b.startsWith('m:')).length,
    all: boards.filter((b) => b === 'all').length,
    asked: size(d.asked),
    open: size(d.open),
    names: size(d.names),
    streaks: size(d.streaks),
    seen: size(d.seen),
    users,
    teamTotal:
      rounds.reduce((n, r) => n + 1 + size(r.answers), 0) +
      size(d.claims) +
      Object.values(d.boards).reduce((n, b) => n + size(b), 0) +
      Object.values(d.asked).reduce((n, a) => n + a.length, 0) +
      size(d.open) +
      size(d.names) +
      size(d.streaks) +
      size(d.seen),
    userTotal,
  };
}

/** 400 days of reviews and daily rounds; returns the census every 50 days. */
async function simulate(
  team: TeamStore,
  review: ReviewStore,
  take: () => Promise<Census>,
): Promise<Census[]> {
  const checkpoints: Census[] = [];
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
      await team.putSchedule(TEAM, everyDaySchedule('C2', { deckId: deck, updatedAt: opens }));
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
    if (d % 50 === 49) checkpoints.push(await take());
  }
  return checkpoints;
}

function expectBounded(checkpoints: Census[]): void {
  const c = checkpoints.at(-1) as Census;
  // Rounds, answers and claims of the last `keep` days only (two channels), by the caller's clock.
  const kept = KEEP / DAY + 1;
  expect(c.round).toBeLessThanOrEqual(CHANNELS.length * kept);
  expect(c.ans).toBeLessThanOrEqual(CHANNELS.length * kept);
  expect(c.claim).toBeLessThanOrEqual(CHANNELS.length * kept);
  // Week boards of the last 13 weeks (+ the current), month boards of the last 400 days, one all-time.
  expect(c.week).toBeLessThanOrEqual(RETENTION.weekBoardMs / (7 * DAY) + 2);
  expect(c.month).toBeLessThanOrEqual(Math.ceil(RETENTION.monthBoardMs / (28 * DAY)) + 1);
  expect(c.all).toBe(1);
  expect(c.open).toBe(0);
  // Members who stopped playing are forgotten after 180 days: names, streaks and last-seen hold
  // only the players of the last 180 days (about 26 weeks x 2 + 10), not the 124 of all 400 days.
  const recent = 2 * Math.ceil(RETENTION.memberIdleMs / (7 * DAY)) + 12;
  expect(c.names).toBeLessThanOrEqual(recent);
  expect(c.streaks).toBeLessThanOrEqual(recent);
  expect(c.seen).toBeLessThanOrEqual(recent);
  // (Far fewer than all who ever played, or the bound would prove nothing.)
  expect(new Set(playersOn(0)).size + 2 * Math.floor((DAYS - 1) / 7)).toBeGreaterThan(1.8 * recent);
  // One no-repeat cycle per scheduled channel and deck: C2's old decks and C2 itself left none.
  expect(c.asked).toBe(1);
  // Each user: day counters of the last 60 days only; the log capped at 500 lines.
  for (const u of c.users) {
    expect(u.allDays).toBeLessThanOrEqual(RETENTION.dayCounterDays);
    expect(u.deckDays).toBeLessThanOrEqual(RETENTION.dayCounterDays);
    expect(u.log).toBeLessThanOrEqual(500);
  }
  // And the totals stopped growing: the last checkpoint is no bigger than day 150's, except for
  // month boards, which accrue until they are 400 days old (at most one per month, a few entries each).
  const at150 = checkpoints[2] as Census;
  expect(c.userTotal).toBeLessThanOrEqual(at150.userTotal);
  expect(c.teamTotal - c.month * 40).toBeLessThanOrEqual(at150.teamTotal);
}

describe('retention: 400 days of use stay bounded (injected clock)', () => {
  it("Redis: every user's and the team's keys and sizes stop growing (real redis-server)", async () => {
    const keys = new Keys(`${server.prefix}ret`);
    const checkpoints = await simulate(
      new RedisTeamStore(redis, keys),
      new RedisReviewStore(redis, keys),
      () => redisCensus(keys),
    );
    expectBounded(checkpoints);
    // The gc index holds only what is still kept.
    const kept = KEEP / DAY + 1;
    expect(await redis.zcard(keys.teamGc(TEAM))).toBeLessThanOrEqual(
      3 * CHANNELS.length * kept + 2 * (RETENTION.weekBoardMs / (7 * DAY) + 2) + 16,
    );
  }, 120_000);

  it('embedded store: the same bounds', async () => {
    const doc = new PersistedDoc<TeamDoc & ReviewDoc>(null, () => ({}));
    const checkpoints = await simulate(
      new MemoryTeamStore(doc as PersistedDoc<object>),
      new MemoryReviewStore(doc),
      async () => memoryCensus(doc),
    );
    expectBounded(checkpoints);
  }, 120_000);
});
