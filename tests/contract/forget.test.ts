import type { Redis } from 'ioredis';
import { createEmptyCard, fsrs, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/engine/api.js';
import { packCard } from '../../src/engine/cardstate.js';
import { DailyService } from '../../src/engine/daily.js';
import { forgetUser } from '../../src/engine/forget.js';
import { teamReviewLine } from '../../src/engine/fsrs/log.js';
import type { ReviewStore, TeamRef, TeamStore, UserDataPort, UserRef } from '../../src/engine/ports.js';
import { MemoryUserData } from '../../src/store/memory/forget.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { RedisUserData } from '../../src/store/redis/forget.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { FakeClock, makeDecks, testRandom } from '../helpers/daily.js';
import { PlatformChat } from '../helpers/platform-chat.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { everythingUnder } from '../helpers/store-scan.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

/**
 * Issue 13, deleting a user's data on request, on both stores: afterwards nothing names the user
 * (a scan of the whole store: Redis key names, hash fields and values, set, sorted-set and list
 * members; the embedded store's document), the other members' data is untouched, and every
 * leaderboard still adds up to the entries of the members left.
 */

const FORGET: UserRef = { platform: 'discord', userId: 'u-forget-42' };
const FORGET_NAME = 'Forgettable Fred';
const KEEP: UserRef = { platform: 'discord', userId: 'v-keep-7' };
const T1: TeamRef = { platform: 'discord', teamId: 'g-one' };
const T2: TeamRef = { platform: 'discord', teamId: 'g-two' };
const NINE = Date.parse('2024-03-28T08:00:00Z'); // 09:00 in Berlin, a Thursday
const BOARDS = ['w:2024-W13', 'm:2024-03', 'all'];

interface Backend {
  review: ReviewStore;
  team: TeamStore;
  userData: UserDataPort;
  /** Every string the store holds (names, fields, values, members), for the "nothing names the user" scan. */
  everything(): Promise<string[]>;
}

let server: TestRedis;
let redis: Redis;
let n = 0;
beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});
afterAll(async () => {
  if (redis) await cleanupPrefix(redis, server);
  redis?.disconnect();
  await server?.dispose();
});

const backends: { name: string; make: () => Backend }[] = [
  {
    name: 'embedded store',
    make: () => {
      const doc = new PersistedDoc<object>(null, () => ({}));
      return {
        review: new MemoryReviewStore(doc),
        team: new MemoryTeamStore(doc),
        userData: new MemoryUserData(doc),
        everything: async () => [JSON.stringify(doc.data)],
      };
    },
  },
  {
    name: 'Redis',
    make: () => {
      const keys = new Keys(`${server.prefix}forget${++n}`);
      return {
        review: new RedisReviewStore(redis, keys),
        team: new RedisTeamStore(redis, keys),
        userData: new RedisUserData(redis, keys),
        everything: () => everythingUnder(redis, keys.prefix),
      };
    },
  },
];

const f = fsrs();
/** Two graded cards of `user`, each also a line of the team's review log. */
async function study(review: ReviewStore, user: UserRef, team: TeamRef): Promise<void> {
  for (const [i, cardId] of ['c1', 'c2'].entries()) {
    const at = new Date(NINE + i * 1000);
    const write = {
      user,
      deckId: 'k8s',
      cardId,
      expected: null,
      next: packCard(f.next(createEmptyCard(at), at, Rating.Good).card),
      due: NINE + 86_400_000,
      day: '2024-03-28',
      isNew: true,
      recalled: null,
      log: `${NINE}|${cardId}|3`,
      team: { ref: team, line: teamReviewLine(NINE, 'k8s', user, cardId, 0, 3), at: NINE },
    };
    expect(await review.applyGrade(write)).toBe('applied');
  }
}

function member(user: UserRef, team: TeamRef, name: string): Actor {
  return { user, team, isAdmin: true, displayName: name };
}

/** A closed round in `team` both answered right, and in T1 an open round only FORGET answered. */
async function compete(b: Backend, clock: FakeClock): Promise<void> {
  const daily = new DailyService({
    store: b.team,
    decks: makeDecks(5),
    clock,
    chat: () => new PlatformChat(),
    random: testRandom(5),
  });
  for (const [team, channelId] of [
    [T1, 'C1'],
    [T2, 'C2'],
    [T1, 'C3'],
  ] as const) {
    const admin = member(KEEP, team, 'Vera');
    const v = await daily.admin(admin, {
      kind: 'schedule',
      channelId,
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
    });
    expect(v.code).toBeUndefined();
    const opened = await daily.openRound(team, channelId, '2024-03-28', { now: NINE });
    if (opened.status !== 'posted') throw new Error(`not posted: ${opened.status}`);
    const round = await b.team.getRound(team, opened.roundId);
    const right = round?.correct ?? 0;
    clock.ms = NINE + 1_000;
    await daily.answer(member(FORGET, team, FORGET_NAME), opened.roundId, right);
    if (channelId === 'C3') continue; // stays open, with FORGET's answer
    clock.ms = NINE + 2_000;
    await daily.answer(member(KEEP, team, 'Vera'), opened.roundId, right);
    expect((await daily.closeRound(team, opened.roundId, { now: NINE + 10 * 3_600_000 })).status).toBe(
      'closed',
    );
  }
}

async function boards(team: TeamStore, t: TeamRef) {
  return Promise.all(BOARDS.map((board) => team.leaderboard(t, board, KEEP.userId, 10)));
}

describe.each(backends)('forgetting a user on the $name', ({ make }) => {
  it('deletes their study data, answers and board entries; nothing names them; boards add up', async () => {
    const b = make();
    const clock = new FakeClock(NINE);
    await study(b.review, FORGET, T1);
    await study(b.review, KEEP, T1);
    await compete(b, clock);
    expect((await b.everything()).join('\n')).toContain(FORGET.userId);
    const before = await boards(b.team, T1);

    const report = await forgetUser(b.userData, FORGET);
    expect(report).toMatchObject({ decks: 1, cards: 2, reviewLines: 2, teams: 2, answers: 3 });
    // Week, month and all-time boards of T1 and T2.
    expect(report.boardEntries).toBe(6);
    expect(report.points).toBe(2 * 15);

    const all = (await b.everything()).join('\n');
    expect(all).not.toContain(FORGET.userId);
    expect(all).not.toContain(FORGET_NAME);
    // The other member keeps everything, and each board is the sum of the entries left.
    expect(all).toContain(KEEP.userId);
    expect(await b.review.knownCards(FORGET, 'k8s')).toEqual(new Set());
    expect(await b.review.knownCards(KEEP, 'k8s')).toEqual(new Set(['c1', 'c2']));
    for (const [i, page] of (await boards(b.team, T1)).entries()) {
      const was = before[i];
      expect(page.total).toBe((was?.total ?? 0) - 1);
      expect(page.top.map((e) => [e.userId, e.points])).toEqual(
        (was?.top ?? []).filter((e) => e.userId !== FORGET.userId).map((e) => [e.userId, e.points]),
      );
      expect(page.top.reduce((s, e) => s + e.points, 0)).toBe(page.me?.points ?? 0);
    }
    expect(await b.team.streak(T1, FORGET.userId)).toBeNull();
    expect(await b.team.streak(T1, KEEP.userId)).not.toBeNull();

    // Idempotent: a second request finds nothing more.
    expect(await forgetUser(b.userData, FORGET)).toEqual({
      decks: 0,
      cards: 0,
      reviewLines: 0,
      teams: 0,
      answers: 0,
      boardEntries: 0,
      points: 0,
    });
  });
});
