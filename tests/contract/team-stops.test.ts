import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { RETENTION } from '../../src/store/retention.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

// Review of issue 11, C3: the names, streaks, `seen` and `gc` of a team that stops (no close ever
// runs again) are forgotten after the README's retention length too, not only a sweep after a close.

const STOPS: TeamRef = { platform: 'discord', teamId: 'g-stops' };
const GOES_ON: TeamRef = { platform: 'discord', teamId: 'g-goes-on' };
const DAY = 86_400_000;
const T0 = Date.parse('2025-03-03T00:00:00Z');
const KEEP = 14 * DAY;

/** A posted round of `team` on day `d` after T0, answered (right) by `users`, then closed. */
async function playAndClose(store: TeamStore, team: TeamRef, d: number, users: string[]): Promise<void> {
  const date = new Date(T0 + d * DAY).toISOString().slice(0, 10);
  const opens = T0 + d * DAY + 9 * 3_600_000;
  const r: DailyRound = {
    roundId: `C1-${date.replaceAll('-', '')}`,
    channelId: 'C1',
    date,
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 1,
    opensAt: opens,
    closesAt: opens + 3_600_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
  const c = await store.claimRound(team, r, {
    owner: 'p',
    now: opens,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error(`claim ${c.status}`);
  const message = { channelId: 'C1', messageId: `m${d}` };
  await store.recordPost(team, r, { generation: c.generation, message, resetAsked: false, keepMs: KEEP });
  for (const u of users) await store.answer(team, r.roundId, u, 1, opens + 1_000, `Name ${u}`);
  const awards = {
    now: r.closesAt,
    boards: ['w:x', 'm:x', 'all'] as [string, string, string],
    points: 10,
    bonus: [5],
    fastest: 3,
    keepMs: KEEP,
  };
  expect((await store.closeRound(team, r.roundId, awards)).status).toBe('closed');
}

describe('embedded store: a team that stops', () => {
  it('loses its members’ names and streaks after the idle length, by the caller’s clock', async () => {
    const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
    await playAndClose(store, STOPS, 0, ['a']);
    await playAndClose(store, GOES_ON, 0, ['b']);
    expect(await store.streak(STOPS, 'a')).not.toBeNull();
    const idleDays = RETENTION.memberIdleMs / DAY;
    await playAndClose(store, GOES_ON, idleDays - 1, ['b']);
    expect(await store.streak(STOPS, 'a')).not.toBeNull();
    await playAndClose(store, GOES_ON, idleDays + 1, ['b']);
    expect(await store.streak(STOPS, 'a')).toBeNull();
    expect((await store.leaderboard(STOPS, 'all', 'a', 10)).me?.name ?? null).toBeNull();
    expect(await store.streak(GOES_ON, 'b')).not.toBeNull();
  });
});

describe('Redis: a team that stops', () => {
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

  it('its names, streaks, seen and gc keys carry a TTL of the idle length (the backstop)', async () => {
    const keys = new Keys(`${server.prefix}stops`);
    const store = new RedisTeamStore(redis, keys);
    await playAndClose(store, STOPS, 0, ['a']);
    for (const key of [
      keys.teamNames(STOPS),
      keys.teamStreaks(STOPS),
      keys.teamGc(STOPS),
      keys.teamSeen(STOPS),
    ]) {
      expect(await redis.exists(key), key).toBe(1);
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(RETENTION.memberIdleMs - DAY);
      expect(ttl, key).toBeLessThanOrEqual(RETENTION.memberIdleMs);
    }
  });
});
