import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamReviewLine } from '../../src/engine/fsrs/log.js';
import { InsightsService } from '../../src/engine/insights/service.js';
import type { TeamRef } from '../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { encodeStreak } from '../../src/store/team-codec.js';
import { FakeClock, makeDecks } from '../helpers/daily.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { countTrips } from '../helpers/round-trips.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const DAY = 86_400_000;

describe('team insights on Redis: aggregates only, a fixed number of round trips', () => {
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

  /** A team with `members` users who reviewed and hold streaks; card c1 is hard, c2 easy, c3+ never seen. */
  async function seedTeam(keys: Keys, team: TeamRef, members: number): Promise<void> {
    const lines: string[] = [];
    for (let u = 0; u < members; u++) {
      const user = { platform: team.platform, userId: `u${u}` };
      const at = NOW - (u % 40) * DAY;
      lines.push(teamReviewLine(at, 'k8s', user, 'c1', 0, 3));
      lines.push(teamReviewLine(at + 1000, 'k8s', user, 'c1', 1, u % 4 === 0 ? 3 : 1));
      lines.push(teamReviewLine(at + 2000, 'k8s', user, 'c2', 1, 3));
    }
    await redis.lpush(keys.teamReviewLog(team), ...lines);
    const streaks: string[] = [];
    for (let u = 0; u < members; u++)
      streaks.push(`u${u}`, encodeStreak({ count: 1 + (u % 5), last: '2026-11-30', best: 9 }));
    await redis.hset(keys.teamStreaks(team), ...streaks);
    await redis.zadd(keys.teamBoard(team, 'w:2026-W49'), 15, 'u0', 10, 'u1');
  }

  it('shows the hardest cards with counts, cards not started, recall by month, streaks, players per week; no user id', async () => {
    const trips: number[] = [];
    const commands: number[] = [];
    for (const members of [8, 400]) {
      const keys = new Keys(`${server.prefix}ins${members}`);
      const team: TeamRef = { platform: 'discord', teamId: `g${members}` };
      await seedTeam(keys, team, members);
      const service = new InsightsService({
        teams: new RedisTeamStore(redis, keys),
        fsrs: new RedisFsrsStore(redis, keys),
        decks: makeDecks(5),
        clock: new FakeClock(NOW),
        tz: 'UTC',
      });
      const counter = countTrips(redis);
      const view = await service.insights({
        user: { platform: 'discord', userId: 'boss' },
        team,
        isAdmin: true,
      });
      trips.push(counter.count);
      commands.push(counter.commands.length);
      expect(view.code).toBeUndefined();
      expect(view.private).toBe(true);
      const all = [view.text, ...(view.fields ?? []).map((f) => `${f.name}: ${f.value}`)].join('\n');
      // Card c1: recalled by every fourth member after its first review.
      const recalled = Math.ceil(members / 4);
      expect(all).toContain(
        `${Math.round((100 * recalled) / members)}% recalled (${recalled}/${members}) · k8s · front 1`,
      );
      expect(all).not.toContain('front 2'); // always recalled: not hard
      expect(all).toContain('Kubernetes: 3 of 5 cards'); // c0, c3, c4 never reviewed
      expect(all).toMatch(/Recall this month: \d+% of \d+ reviews/);
      expect(all).toContain(`${members} members on a streak · longest 5 · best ever 9`);
      expect(all).toContain('W49: 2');
      expect(all).toContain('FSRS parameters: FSRS defaults.');
      // Aggregates only: no member appears.
      expect(all).not.toMatch(/\bu\d+\b|<@/);
      expect(view.chart?.panels.map((p) => p.kind)).toEqual(['line', 'bars']);
    }
    // Schedules; timezone (no schedule); then review log, parameters, attempts, streaks and week
    // boards (one pipeline) sent at once: 3 round trips, whatever the team's size.
    expect(trips).toEqual([3, 3]);
    // ...and as many commands for 400 members as for 8 (none sent per member).
    expect(commands[1]).toBe(commands[0]);
  });

  it('refuses a member who is not an admin, and a DM', async () => {
    const keys = new Keys(`${server.prefix}insr`);
    const service = new InsightsService({
      teams: new RedisTeamStore(redis, keys),
      fsrs: new RedisFsrsStore(redis, keys),
      decks: makeDecks(2),
      clock: new FakeClock(NOW),
      tz: 'UTC',
    });
    const team: TeamRef = { platform: 'slack', teamId: 'T1' };
    const user = { platform: 'slack' as const, userId: 'U1' };
    expect((await service.insights({ user, team, isAdmin: false })).code).toBe('not_admin');
    expect((await service.resetFsrs({ user, team, isAdmin: false })).code).toBe('not_admin');
    expect((await service.insights({ user, team: null, isAdmin: true })).code).toBe('bad_argument');
  });
});
