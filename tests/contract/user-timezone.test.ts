import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewStore, TeamRef, UserDataPort, UserRef } from '../../src/engine/ports.js';
import { MemoryUserData } from '../../src/store/memory/forget.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { RedisUserData } from '../../src/store/redis/forget.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { everythingUnder } from '../helpers/store-scan.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

/** Issue 14: a user's study timezone on both stores (set, get, read with the grade, forget-me). */

const ALICE: UserRef = { platform: 'discord', userId: 'tz-alice' };
const BOB: UserRef = { platform: 'slack', userId: 'tz-bob' };
const TEAM: TeamRef = { platform: 'discord', teamId: 'g-tz' };

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

interface Backend {
  review: ReviewStore;
  userData: UserDataPort;
  everything(): Promise<string[]>;
}

const backends: { name: string; make: () => Backend }[] = [
  {
    name: 'embedded store',
    make: () => {
      const doc = new PersistedDoc<object>(null, () => ({}));
      return {
        review: new MemoryReviewStore(doc),
        userData: new MemoryUserData(doc),
        everything: async () => [JSON.stringify(doc.data)],
      };
    },
  },
  {
    name: 'Redis',
    make: () => {
      const keys = new Keys(`${server.prefix}tz${++n}`);
      return {
        review: new RedisReviewStore(redis, keys),
        userData: new RedisUserData(redis, keys),
        everything: () => everythingUnder(redis, keys.prefix),
      };
    },
  },
];

describe.each(backends)('user timezone: $name', ({ make }) => {
  it('is null until set, then the stored zone; null clears it; users are separate', async () => {
    const { review } = make();
    expect(await review.getTimezone(ALICE)).toBeNull();
    await review.setTimezone(ALICE, 'Asia/Tokyo');
    await review.setTimezone(BOB, 'America/New_York');
    expect(await review.getTimezone(ALICE)).toBe('Asia/Tokyo');
    expect(await review.getTimezone(BOB)).toBe('America/New_York');
    await review.setTimezone(ALICE, 'Europe/Berlin');
    expect(await review.getTimezone(ALICE)).toBe('Europe/Berlin');
    await review.setTimezone(ALICE, null);
    expect(await review.getTimezone(ALICE)).toBeNull();
    expect(await review.getTimezone(BOB)).toBe('America/New_York');
  });

  it('comes with readForGrade, with and without a team', async () => {
    const { review } = make();
    expect((await review.readForGrade(ALICE, 'k8s', 'c1', null)).tz).toBeNull();
    await review.setTimezone(ALICE, 'Asia/Tokyo');
    expect(await review.readForGrade(ALICE, 'k8s', 'c1', null)).toEqual({
      state: null,
      w: null,
      tz: 'Asia/Tokyo',
    });
    expect(await review.readForGrade(ALICE, 'k8s', 'c1', TEAM)).toEqual({
      state: null,
      w: null,
      tz: 'Asia/Tokyo',
    });
  });

  it('is erased by forget-me, and only the user’s', async () => {
    const { review, userData, everything } = make();
    await review.setTimezone(ALICE, 'Pacific/Auckland');
    await review.setTimezone(BOB, 'America/New_York');
    await userData.forgetStudy(ALICE);
    expect(await review.getTimezone(ALICE)).toBeNull();
    expect(await review.getTimezone(BOB)).toBe('America/New_York');
    const all = (await everything()).join('\n');
    expect(all).not.toContain('Pacific/Auckland');
    expect(all).not.toContain(ALICE.userId);
  });
});
