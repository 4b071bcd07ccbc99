import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/store/open.js';
import { Keys } from '../../src/store/redis/keys.js';
import { migrateIndexes } from '../../src/store/redis/migrate.js';
import { dueMember } from '../../src/store/team-codec.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { readyClient } from '../helpers/team-stores.js';

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

/** Data as a version before the buckets left it: one key per global index. */
async function legacyData(prefix: string): Promise<void> {
  const teams = Array.from({ length: 30 }, (_, i) => `discord:g${i}`);
  await redis.sadd(`${prefix}:teams`, ...teams);
  await redis.sadd(`${prefix}:fsrs:teams`, 'slack:T1', 'discord:g1');
  await redis.sadd(`${prefix}:users`, ...Array.from({ length: 40 }, (_, i) => `slack:U${i}`));
  const due = Array.from({ length: 30 }, (_, i) =>
    dueMember({ kind: 'open', team: { platform: 'discord', teamId: `g${i}` }, channelId: 'C1' }),
  );
  await redis.zadd(`${prefix}:daily:due`, ...due.flatMap((m, i) => [1_000 + i, m]));
}

describe('moving the single-key global indexes into buckets (existing single-server data)', () => {
  it('moves every member at start, deletes the old keys, and the stores see the same data', async () => {
    const prefix = `${server.prefix}mig${++n}`;
    await legacyData(prefix);
    const stores = await openStores({ redisUrl: server.url, dataDir: '/nonexistent', prefix });
    try {
      expect(
        await redis.exists(
          `${prefix}:teams`,
          `${prefix}:users`,
          `${prefix}:fsrs:teams`,
          `${prefix}:daily:due`,
        ),
      ).toBe(0);
      const teams = await stores.team.teams();
      expect(teams).toHaveLength(30);
      const due = await stores.team.dueEntries(10_000, 100);
      expect(due.map((e) => e.at)).toEqual(Array.from({ length: 30 }, (_, i) => 1_000 + i));
      expect(new Set((await stores.fsrs.teamsWithReviews(0)).map((t) => t.teamId))).toEqual(new Set());
      const users: string[] = [];
      const keys = new Keys(prefix);
      for (let b = 0; b < 16; b++) users.push(...(await redis.smembers(keys.usersBucket(b))));
      expect(users).toHaveLength(40);
    } finally {
      await stores.close();
    }
  });

  it('is idempotent, also from two processes at once, and keeps a due time moved meanwhile', async () => {
    const prefix = `${server.prefix}mig${++n}`;
    const keys = new Keys(prefix);
    await legacyData(prefix);
    // A half-done earlier run already moved this entry, and the scheduler has since moved its time.
    const member = dueMember({ kind: 'open', team: { platform: 'discord', teamId: 'g0' }, channelId: 'C1' });
    await redis.zadd(keys.dailyDue(member), 99_999, member);
    const moved = await Promise.all([migrateIndexes(redis, keys), migrateIndexes(redis, keys)]);
    expect(moved[0] + moved[1]).toBeGreaterThanOrEqual(30 + 2 + 40 + 30);
    expect(Number(await redis.zscore(keys.dailyDue(member), member))).toBe(99_999);
    expect(await migrateIndexes(redis, keys)).toBe(0);
  });
});
