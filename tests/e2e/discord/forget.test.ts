import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyService } from '../../../src/engine/daily.js';
import { forgetUser } from '../../../src/engine/forget.js';
import type { TeamRef } from '../../../src/engine/ports.js';
import { RedisUserData } from '../../../src/store/redis/forget.js';
import type { Keys } from '../../../src/store/redis/keys.js';
import type { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { type DiscordRig, must } from '../../fakes/discord/harness.js';
import type { FakeUser } from '../../fakes/discord/payloads.js';
import { ManualClock } from '../../helpers/engine.js';
import { everythingUnder } from '../../helpers/store-scan.js';
import { type RedisDiscordRig, startRedisDiscordRig } from './redis-rig.js';

/**
 * Issue 13: `/forget-me` through the real discord.js client against the fake Discord, on Redis:
 * a private confirmation with two buttons; Cancel deletes nothing, another user's click is
 * refused, Delete removes every trace of the user (a scan of the test's own Redis) while the
 * other member's data and the leaderboard, recounted without the user, stay.
 */

const GUILD = '100000000000000013';
const CHANNEL = '200000000000000013';
const team: TeamRef = { platform: 'discord', teamId: GUILD };
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;

describe('discord: /forget-me', () => {
  let env: RedisDiscordRig | undefined;
  let redis: Redis;
  let keys: Keys;
  let rig: DiscordRig;
  let daily: DailyService;
  let teamStore: RedisTeamStore;
  let alice: FakeUser;
  let bob: FakeUser;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    env = await startRedisDiscordRig({
      clock,
      guildId: GUILD,
      guilds: [{ id: GUILD, name: 'Forget server', channels: [{ id: CHANNEL, name: 'quiz' }] }],
      engine: ({ redis, keys }) => {
        const userData = new RedisUserData(redis, keys);
        return { forget: (u) => forgetUser(userData, u) };
      },
    });
    ({ redis, keys, rig, daily, teamStore } = env);
    alice = rig.fake.user('alice');
    bob = rig.fake.user('bob');
  });

  afterAll(async () => {
    await env?.close();
  });

  it('asks first; cancel and a stranger change nothing; delete leaves no trace and the board adds up', async () => {
    const { fake } = rig;
    // Alice studies a card; both answer today's daily question right; the round closes.
    const start = await fake.slash({ command: 'review', user: alice, options: { deck: 'k8s' } });
    const shown = await fake.click({
      message: must(start.message),
      customId: must(start.buttons[0]).custom_id,
      user: alice,
    });
    const good = must(shown.buttons.find((b) => b.label.startsWith('Good')));
    await fake.click({ message: must(shown.message), customId: good.custom_id, user: alice });
    const admin = { user: { platform: 'discord' as const, userId: bob.id }, team, isAdmin: true };
    await daily.admin(admin, {
      kind: 'schedule',
      channelId: CHANNEL,
      deckId: 'k8s',
      time: '00:00',
      timezone: 'UTC',
      weekdays: 'daily',
      close: '23:59',
    });
    const opened = await daily.openRound(team, CHANNEL, new Date(T0).toISOString().slice(0, 10), { now: T0 });
    if (opened.status !== 'posted') throw new Error(`not posted: ${opened.status}`);
    const post = must(fake.messages.get(opened.message.messageId));
    const right = must((await teamStore.getRound(team, opened.roundId))?.correct);
    for (const user of [alice, bob]) {
      const customId = must(
        post.components[0] && (post.components[0].components as { custom_id: string }[])[right],
      ).custom_id;
      await fake.click({ message: post, customId, user });
    }
    expect((await daily.closeRound(team, opened.roundId)).status).toBe('closed');
    expect((await everythingUnder(redis, keys.prefix)).join('\n')).toContain(alice.id);

    const ask = await fake.slash({ command: 'forget-me', user: alice });
    expect(ask.ephemeral).toBe(true);
    expect(ask.buttons.map((b) => b.label)).toEqual(['Delete my data', 'Cancel']);
    const [del, cancel] = ask.buttons;
    const cancelled = await fake.click({
      message: must(ask.message),
      customId: must(cancel).custom_id,
      user: alice,
    });
    expect(cancelled.text).toContain('Nothing was deleted');
    expect((await everythingUnder(redis, keys.prefix)).join('\n')).toContain(alice.id);

    const again = await fake.slash({ command: 'forget-me', user: alice });
    const stranger = await fake.click({
      message: must(again.message),
      customId: must(del).custom_id,
      user: bob,
    });
    expect(stranger.ephemeral).toBe(true);
    expect((await everythingUnder(redis, keys.prefix)).join('\n')).toContain(alice.id);

    const done = await fake.click({
      message: must(again.message),
      customId: must(del).custom_id,
      user: alice,
    });
    expect(done.text).toContain('Your data is deleted');
    expect(done.text).toContain('1 daily answers');
    const all = (await everythingUnder(redis, keys.prefix)).join('\n');
    expect(all).not.toContain(alice.id);
    expect(all).toContain(bob.id);
    const board = await teamStore.leaderboard(team, 'all', bob.id, 10);
    expect(board.total).toBe(1);
    expect(board.top.map((e) => e.userId)).toEqual([bob.id]);
    expect(board.top[0]?.points).toBe(board.me?.points);
  });
});
