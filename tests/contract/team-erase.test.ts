import type { Redis } from 'ioredis';
import { fsrs, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCard, packCard } from '../../src/engine/cardstate.js';
import type { FsrsStore, ReviewStore, TeamEraser, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { MemoryFsrsStore } from '../../src/store/memory/fsrs-store.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamEraser } from '../../src/store/memory/team-eraser.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamEraser } from '../../src/store/redis/team-eraser.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { fittedParams } from '../helpers/fsrs-params.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { closeAwards, KEEP_MS, openRound } from '../helpers/round-fixture.js';
import { readyClient } from '../helpers/team-stores.js';

const T0 = Date.UTC(2024, 2, 29, 9);
// Ids that look like each other and like key syntax, so a sloppy pattern would over- or under-match.
const GONE: TeamRef = { platform: 'slack', teamId: 'T0GONE' };
const KEPT: TeamRef = { platform: 'slack', teamId: 'T0GONE2' };
const OTHER: TeamRef = { platform: 'discord', teamId: 'T0GONE' };
const USERS = ['U1', 'U2', 'U3'];

/** The stores a team's data is spread over, plus the eraser under test. */
interface Rig {
  team: TeamStore;
  review: ReviewStore;
  fsrs: FsrsStore;
  eraser: TeamEraser;
  /** Every stored string that names `team` (key names, index members), for "nothing remains". */
  traces(team: TeamRef): Promise<string[]>;
}

const params = (version: number) => fittedParams([1, 2, 3], T0, version);

/** Everything a team accumulates: a schedule, a closed and an open round, boards, streaks, reviews, FSRS params. */
async function seed(r: Rig, team: TeamRef): Promise<void> {
  await r.team.putSchedule(team, {
    channelId: 'C1',
    deckId: 'k8s',
    time: '09:00',
    timezone: 'Europe/Berlin',
    weekdays: [1, 2, 3, 4, 5],
    close: { kind: 'after', minutes: 60 },
    paused: false,
    updatedBy: 'U1',
    updatedAt: T0,
  });
  const lease = { owner: 'p', now: T0, leaseMs: 60_000, maxAttempts: 3, keepMs: KEEP_MS };
  const closed = openRound(T0);
  const open = { ...openRound(T0 + 86_400_000), roundId: 'C1-20240330', date: '2024-03-30' };
  for (const round of [closed, open]) {
    const c = await r.team.claimRound(team, round, { ...lease, now: round.opensAt });
    if (c.status !== 'claimed') throw new Error('claim');
    const message = { channelId: 'C1', messageId: `m-${round.roundId}` };
    await r.team.recordPost(team, round, {
      generation: c.generation,
      message,
      resetAsked: false,
      keepMs: KEEP_MS,
    });
    for (const [i, u] of USERS.entries())
      await r.team.answer(team, round.roundId, u, 1, round.opensAt + i, u);
  }
  await r.team.closeRound(team, closed.roundId, closeAwards(closed.closesAt));
  await r.team.markPostNow(team, 'C1', T0, 60_000);
  await r.team.setDue({ kind: 'open', team, channelId: 'C1' }, T0 + 2 * 86_400_000);
  await r.team.setDue({ kind: 'close', team, roundId: open.roundId }, open.closesAt);
  const f = fsrs();
  const next = f.next(newCard(T0), new Date(T0), Rating.Good).card;
  await r.review.applyGrade({
    user: { platform: team.platform, userId: 'U1' },
    deckId: 'k8s',
    cardId: 'c1',
    expected: null,
    next: packCard(next),
    due: next.due.getTime(),
    day: '2024-03-29',
    isNew: true,
    recalled: null,
    log: 'x',
    team: { ref: team, line: 'line', at: T0 },
  });
  await r.fsrs.saveParams(team, null, params(1));
  await r.fsrs.saveParams(team, 'k8s', params(1));
  await r.fsrs.saveAttempt(team, null, { at: T0, newest: T0, outcome: 'adopted' });
  await r.eraser.planErase(team, T0 + 30 * 86_400_000);
}

/** What a kept team shows, to check that erasing another one left it whole. */
async function visible(r: Rig, team: TeamRef) {
  return {
    schedules: await r.team.listSchedules(team),
    board: await r.team.leaderboard(team, 'all', 'U1', 10),
    streak: await r.team.streak(team, 'U1'),
    open: await r.team.openRounds(team),
    reviews: await r.fsrs.teamReviews(team, T0),
    params: await r.fsrs.params(team),
    planned: await r.eraser.plannedErase(team),
  };
}

function contract(name: string, make: () => Promise<Rig>) {
  describe(`TeamEraser contract: ${name}`, () => {
    it('erases every trace of one team and leaves the others whole, also in the global indexes', async () => {
      const r = await make();
      for (const t of [GONE, KEPT, OTHER]) await seed(r, t);
      const keptBefore = await visible(r, KEPT);
      const otherBefore = await visible(r, OTHER);
      expect(keptBefore.board.top.length).toBe(USERS.length);
      expect(await r.traces(GONE)).not.toEqual([]);

      expect(await r.eraser.eraseTeam(GONE)).toBeGreaterThan(0);

      expect(await r.traces(GONE)).toEqual([]);
      expect(await r.team.listSchedules(GONE)).toEqual([]);
      expect((await r.team.leaderboard(GONE, 'all', 'U1', 10)).top).toEqual([]);
      expect(await r.fsrs.params(GONE)).toEqual({ team: null, decks: {} });
      expect(new Set((await r.team.teams()).map((t) => `${t.platform}:${t.teamId}`))).toEqual(
        new Set(['slack:T0GONE2', 'discord:T0GONE']),
      );
      const due = await r.team.dueEntries(Number.MAX_SAFE_INTEGER, 100);
      expect(
        due.filter((e) => e.item.team.platform === 'slack' && e.item.team.teamId === GONE.teamId),
      ).toEqual([]);
      expect(due.length).toBe(4);
      expect(await visible(r, KEPT)).toEqual(keptBefore);
      expect(await visible(r, OTHER)).toEqual(otherBefore);
      // The kept team's boards still add up: each answerer's points once.
      const sum = keptBefore.board.top.reduce((s, e) => s + e.points, 0);
      expect((await visible(r, KEPT)).board.top.reduce((s, e) => s + e.points, 0)).toBe(sum);
      // Idempotent.
      expect(await r.eraser.eraseTeam(GONE)).toBe(0);
    });

    it('plans, lists when due, and cancels deletions', async () => {
      const r = await make();
      await r.eraser.planErase(GONE, T0 + 10);
      await r.eraser.planErase(KEPT, T0 + 5);
      expect(await r.eraser.dueErasures(T0, 10)).toEqual([]);
      expect(await r.eraser.dueErasures(T0 + 10, 10)).toEqual([KEPT, GONE]);
      expect(await r.eraser.dueErasures(T0 + 10, 1)).toEqual([KEPT]);
      expect(await r.eraser.cancelErase(KEPT)).toBe(true);
      expect(await r.eraser.cancelErase(KEPT)).toBe(false);
      expect(await r.eraser.plannedErase(GONE)).toBe(T0 + 10);
      expect(await r.eraser.dueErasures(T0 + 10, 10)).toEqual([GONE]);
    });
  });
}

contract('embedded store', async () => {
  const doc = new PersistedDoc<object>(null, () => ({}));
  return {
    team: new MemoryTeamStore(doc),
    review: new MemoryReviewStore(doc as PersistedDoc<Record<string, unknown>>),
    fsrs: new MemoryFsrsStore(doc as PersistedDoc<Record<string, unknown>>),
    eraser: new MemoryTeamEraser(doc),
    // The whole document, as the file would be saved: any string naming the team (as a key or inside one).
    traces: async (team) => {
      const found: string[] = [];
      const walk = (v: unknown, path: string) => {
        if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k.includes(team.teamId) && k.includes(team.platform)) found.push(`${path}/${k}`);
            walk(x, `${path}/${k}`);
          }
        } else if (typeof v === 'string' && v.includes(`"${team.teamId}"`) && v.includes(team.platform))
          found.push(`${path}=${v}`);
      };
      walk(doc.data, '');
      return found.filter((p) => !p.includes(`${team.teamId}2`));
    },
  };
});

describe('on Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = await readyClient(server);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });
  contract('Redis', async () => {
    const keys = new Keys(`${server.prefix}e${++n}`);
    return {
      team: new RedisTeamStore(redis, keys),
      review: new RedisReviewStore(redis, keys),
      fsrs: new RedisFsrsStore(redis, keys),
      eraser: new RedisTeamEraser(redis, keys),
      traces: (team) => redisTraces(redis, keys.prefix, team),
    };
  });
});

/**
 * Scans the test's own Redis: every key under the prefix whose name holds the team's tag, and every
 * member or field of the global sets, sorted sets and hashes that names the team.
 */
async function redisTraces(redis: Redis, prefix: string, team: TeamRef): Promise<string[]> {
  const tag = `{t:${team.platform}:${team.teamId}}`;
  const names = (s: string) =>
    s === `${team.platform}:${team.teamId}` ||
    (s.includes(JSON.stringify(team.teamId)) && s.includes(JSON.stringify(team.platform)));
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if (key.includes(tag)) {
        found.push(key);
        continue;
      }
      const type = await redis.type(key);
      const members =
        type === 'set'
          ? await redis.smembers(key)
          : type === 'zset'
            ? await redis.zrange(key, '0', '-1')
            : type === 'hash'
              ? await redis.hkeys(key)
              : [];
      for (const m of members) if (names(m)) found.push(`${key} ${m}`);
    }
  } while (cursor !== '0');
  return found;
}
