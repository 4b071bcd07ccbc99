import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DailyService } from '../../src/engine/daily.js';
import type { TeamRef } from '../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { actor, FakeClock, makeDecks } from '../helpers/daily.js';
import { PlatformChat } from '../helpers/platform-chat.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { countTrips } from '../helpers/round-trips.js';

const TEAM: TeamRef = { platform: 'discord', teamId: 'g-rt' };
const ADMIN = { ...actor('boss', true), team: TEAM };

describe('Redis round trips on the daily claim / post / record path', () => {
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

  it('opening a round: 5 (schedule, asked cards, claim, close index, record); a lease renewal 1 each; post-now 2 more', async () => {
    const clock = new FakeClock(Date.parse('2024-03-28T08:00:00Z'));
    const chat = new PlatformChat();
    const store = new RedisTeamStore(redis, new Keys(`${server.prefix}rt`));
    const daily = new DailyService({
      store,
      decks: makeDecks(5),
      clock,
      chat: () => chat,
      settings: { leaseMs: 60_000, renewEveryMs: 20, postTimeoutMs: 30_000 },
    });
    for (const channelId of ['C0', 'C1', 'C2', 'C3']) {
      const v = await daily.admin(ADMIN, {
        kind: 'schedule',
        channelId,
        deckId: 'k8s',
        time: '09:00',
        timezone: 'Europe/Berlin',
      });
      expect(v.code).toBeUndefined();
    }
    // Warm up so every script is loaded (a first EVALSHA may fall back to EVAL).
    expect((await daily.openRound(TEAM, 'C0', '2024-03-28')).status).toBe('posted');
    await store.renewClaim(TEAM, 'C0-20240328', 1, clock.now(), clock.now());
    await store.markPostNow(TEAM, 'C0', clock.now(), 60_000);

    const trips = countTrips(redis);
    expect((await daily.openRound(TEAM, 'C1', '2024-03-28')).status).toBe('posted');
    expect(trips.count).toBe(5);

    // A post in flight for three renewals: one round trip each.
    trips.reset();
    chat.holdPosts = 1;
    const slow = daily.openRound(TEAM, 'C2', '2024-03-28');
    await chat.until(() => chat.pending.length === 1);
    const before = trips.count;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (trips.count >= before + 3) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    chat.release();
    expect((await slow).status).toBe('posted');
    const renewals = trips.count - 5;
    expect(renewals).toBeGreaterThanOrEqual(3);

    // Post-now: the schedule and the post-now mark, then the same 5.
    trips.reset();
    clock.advance(60 * 60_000);
    const v = await daily.admin(ADMIN, { kind: 'post-now', channelId: 'C3' });
    expect(v.title).toBe('Question posted');
    expect(trips.count).toBe(7);
  });
});
