import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyService } from '../../../src/engine/daily.js';
import type { TeamRef } from '../../../src/engine/ports.js';
import { TeamForgetting } from '../../../src/engine/team-forget.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisTeamEraser } from '../../../src/store/redis/team-eraser.js';
import type { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { parseDueMember } from '../../../src/store/team-codec.js';
import { type DiscordRig, must } from '../../fakes/discord/harness.js';
import type { FakeUser } from '../../fakes/discord/payloads.js';
import { ManualClock } from '../../helpers/engine.js';
import { everythingUnder } from '../../helpers/store-scan.js';
import { type RedisDiscordRig, startRedisDiscordRig } from './redis-rig.js';

/**
 * `/quiz-admin forget-team` through the real discord.js client against the fake Discord, on Redis:
 * a member without Manage Server is refused; the admin gets a private confirmation with one button;
 * another user pressing it deletes nothing; the admin pressing it leaves no key in the guild's slot
 * and no due entry for it, while a second guild's data stays exactly as it was.
 */

const GUILD = '100000000000000021';
const CHANNEL = '200000000000000021';
const OTHER_GUILD = '100000000000000022';
const OTHER_CHANNEL = '200000000000000022';
const team: TeamRef = { platform: 'discord', teamId: GUILD };
const other: TeamRef = { platform: 'discord', teamId: OTHER_GUILD };
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;

describe('discord: /quiz-admin forget-team', () => {
  let env: RedisDiscordRig | undefined;
  let redis: Redis;
  let keys: Keys;
  let rig: DiscordRig;
  let daily: DailyService;
  let teamStore: RedisTeamStore;
  let carol: FakeUser; // admin (Manage Server)
  let mallory: FakeUser; // member
  const clock = new ManualClock(T0);

  /** Every key of a team's slot. */
  const slotKeys = async (t: TeamRef): Promise<string[]> =>
    (await redis.keys(`${keys.prefix}*`)).filter((k) => k.includes(`{t:${t.platform}:${t.teamId}}`)).sort();

  /** The team's entries in the daily due queue (every bucket). */
  const dueOf = async (t: TeamRef): Promise<string[]> => {
    const out: string[] = [];
    for (const bucket of Keys.buckets((b) => keys.dailyDueBucket(b))) {
      for (const m of await redis.zrange(bucket, '0', '-1')) {
        const item = parseDueMember(m);
        if (item && item.team.platform === t.platform && item.team.teamId === t.teamId) out.push(m);
      }
    }
    return out;
  };

  /** Everything stored for the team: its slot's keys with their contents, and its due entries. */
  const snapshot = async (t: TeamRef): Promise<string[]> => {
    const out: string[] = [];
    for (const key of await slotKeys(t)) {
      const type = await redis.type(key);
      out.push(`${key} ${type}`);
      if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
      else if (type === 'set') out.push(JSON.stringify((await redis.smembers(key)).sort()));
      else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'string') out.push((await redis.get(key)) ?? '');
    }
    return [...out, ...(await dueOf(t))];
  };

  /** Schedules a daily question in the guild's channel, opens today's round, both users answer right, it closes. */
  async function playRound(t: TeamRef, channelId: string): Promise<void> {
    const admin = { user: { platform: 'discord' as const, userId: carol.id }, team: t, isAdmin: true };
    await daily.admin(admin, {
      kind: 'schedule',
      channelId,
      deckId: 'k8s',
      time: '00:00',
      timezone: 'UTC',
      weekdays: 'daily',
      close: '23:59',
    });
    const opened = await daily.openRound(t, channelId, new Date(T0).toISOString().slice(0, 10), { now: T0 });
    if (opened.status !== 'posted') throw new Error(`not posted: ${opened.status}`);
    const post = must(rig.fake.messages.get(opened.message.messageId));
    const right = must((await teamStore.getRound(t, opened.roundId))?.correct);
    for (const user of [carol, mallory]) {
      const customId = must(
        post.components[0] && (post.components[0].components as { custom_id: string }[])[right],
      ).custom_id;
      await rig.fake.click({ message: post, customId, user });
    }
    expect((await daily.closeRound(t, opened.roundId)).status).toBe('closed');
  }

  beforeAll(async () => {
    env = await startRedisDiscordRig({
      clock,
      guildId: GUILD,
      guilds: [
        { id: GUILD, name: 'Forget-team server', channels: [{ id: CHANNEL, name: 'quiz' }] },
        { id: OTHER_GUILD, name: 'Other server', channels: [{ id: OTHER_CHANNEL, name: 'quiz' }] },
      ],
      engine: ({ redis, keys }) => ({
        forgetting: new TeamForgetting({ eraser: new RedisTeamEraser(redis, keys), clock }),
      }),
    });
    ({ redis, keys, rig, daily, teamStore } = env);
    carol = rig.fake.user('carol', { admin: true });
    mallory = rig.fake.user('mallory');
  });

  afterAll(async () => {
    await env?.close();
  });

  it('refuses a member, asks the admin, ignores a stranger’s press, and on the admin’s press deletes only this guild', async () => {
    const { fake } = rig;
    await playRound(team, CHANNEL);
    await playRound(other, OTHER_CHANNEL);
    // Points on both guilds' boards, a schedule and its due entry in both.
    for (const t of [team, other]) {
      const board = await teamStore.leaderboard(t, 'all', carol.id, 10);
      expect(board.total).toBe(2);
      expect(board.me?.points).toBeGreaterThan(0);
      expect(await dueOf(t)).not.toEqual([]);
    }
    const before = await snapshot(team);
    expect(before).not.toEqual([]);
    const otherBefore = await snapshot(other);
    expect(otherBefore).not.toEqual([]);

    // A member without Manage Server (Discord would hide the command; the engine refuses anyway).
    const refused = await fake.slash({
      command: 'quiz-admin',
      subcommand: 'forget-team',
      user: mallory,
      guildId: GUILD,
    });
    expect(refused.ephemeral).toBe(true);
    expect(refused.text).toBe('Only team admins can delete the team’s quiz data.');
    expect(refused.buttons).toEqual([]);
    expect(await snapshot(team)).toEqual(before);

    // The admin gets a private confirmation with one button.
    const ask = await fake.slash({
      command: 'quiz-admin',
      subcommand: 'forget-team',
      user: carol,
      guildId: GUILD,
    });
    expect(ask.ephemeral).toBe(true);
    expect(ask.text).toContain('Delete all of this team’s quiz data?');
    expect(ask.buttons.map((b) => b.label)).toEqual(['Delete team data']);
    const del = must(ask.buttons[0]);
    expect(await snapshot(team)).toEqual(before);

    // Someone else pressing the admin's button deletes nothing.
    const stranger = await fake.click({ message: must(ask.message), customId: del.custom_id, user: mallory });
    expect(stranger.ephemeral).toBe(true);
    expect(stranger.text).toBe('That button belongs to the admin who asked to delete the team’s data.');
    expect(await snapshot(team)).toEqual(before);

    // The admin's press deletes everything of this guild, nothing of the other.
    const done = await fake.click({ message: must(ask.message), customId: del.custom_id, user: carol });
    expect(done.ephemeral).toBe(true);
    expect(done.text).toContain('All of this team’s quiz data is deleted');
    expect(await slotKeys(team)).toEqual([]);
    expect(await dueOf(team)).toEqual([]);
    // Nothing anywhere under the test's prefix (key names, members, values) names the guild's slot.
    expect(
      (await everythingUnder(redis, keys.prefix)).filter((s) => s.includes(`{t:discord:${GUILD}}`)),
    ).toEqual([]);
    const teamIndex = (
      await Promise.all(Keys.buckets((b) => keys.teamsBucket(b)).map((k) => redis.smembers(k)))
    ).flat();
    expect(teamIndex).not.toContain(keys.teamMember(team));
    expect(teamIndex).toContain(keys.teamMember(other));
    expect((await teamStore.leaderboard(team, 'all', carol.id, 10)).total).toBe(0);
    expect(await teamStore.getSchedule(team, CHANNEL)).toBeNull();

    expect(await snapshot(other)).toEqual(otherBefore);
    expect((await teamStore.leaderboard(other, 'all', carol.id, 10)).total).toBe(2);
  });
});
