import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { type BotProcess, startBotProcess } from '../e2e/process/bot-process.js';
import { FakeDiscord } from '../fakes/discord/fake-discord.js';
import { snowflake, snowflakeOnShard } from '../fakes/discord/payloads.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { FAULT_ENV, isDailyPost } from './discord-rig.js';

const SHARDS = 4;

/** The JSON log lines of a process's output (its children's included: they inherit its stdout). */
function logLines(out: string): Record<string, unknown>[] {
  return out.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Resolves once `check` holds for the process's output (re-checked on every chunk it prints). */
function waitOutput(
  bot: BotProcess,
  what: string,
  check: (out: string) => boolean,
  ms = 60_000,
): Promise<void> {
  if (check(bot.output())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!check(bot.output())) return;
      clearTimeout(guard);
      bot.child.stdout?.off('data', onData);
      resolve();
    };
    const guard = setTimeout(() => {
      bot.child.stdout?.off('data', onData);
      reject(new Error(`timed out waiting for ${what}:\n${bot.output().slice(-3000)}`));
    }, ms);
    bot.child.stdout?.on('data', onData);
  });
}

/**
 * `quizbot start` with DISCORD_SHARDS=4 and DISCORD_SHARDS_PER_PROCESS=2: the sharding manager
 * (discord-hybrid-sharding) forks two real bot processes of two shards each, against a fake
 * Discord that recommends 4 shards and sends each shard only its guilds' events.
 */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'Discord shards across processes (skipped with TEST_REDIS_URL: the bot processes write the default key prefix, only into a Redis of our own)',
  () => {
    let redis: TestRedis;
    let fake: FakeDiscord;
    let manager: BotProcess | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'qb-shards-'));
    // One guild on each shard, one channel each.
    const guilds = Array.from({ length: SHARDS }, (_, shard) => ({
      id: snowflakeOnShard(shard, SHARDS),
      name: `Shard ${shard} server`,
      channels: [{ id: snowflake(), name: `quiz-${shard}` }],
    }));

    beforeAll(async () => {
      redis = await startTestRedis();
      fake = await FakeDiscord.start({ guilds, shards: SHARDS });
      manager = await startBotProcess(
        {
          DISCORD_TOKEN: 'shard-token',
          DISCORD_API_URL: fake.apiUrl,
          REDIS_URL: redis.url,
          HTTP_PORT: '0',
          DATA_DIR: dataDir,
          DISCORD_SHARDS: 'auto',
          DISCORD_SHARDS_PER_PROCESS: '2',
          DISCORD_SHARD_SPAWN_DELAY_MS: '1',
          ...FAULT_ENV,
          LOG_LEVEL: 'debug',
        },
        60_000,
        'shard manager starting',
      );
      const bot = manager;
      await waitOutput(
        bot,
        'both shard processes running',
        (out) => logLines(out).filter((l) => l.msg === 'quizbot running').length >= 2,
        90_000,
      );
    }, 120_000);

    afterAll(async () => {
      if (manager && manager.child.exitCode === null) manager.child.kill('SIGKILL');
      await fake?.close();
      await redis?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs two processes of two shards each, every guild connected on its own shard once', () => {
      const out = manager?.output() ?? '';
      const connected = logLines(out).filter((l) => l.msg === 'discord connected');
      expect(new Set(connected.map((l) => String(l.shards)))).toEqual(new Set(['0-1', '2-3']));
      expect(fake.identifies.map((d) => JSON.stringify(d.shard)).sort()).toEqual([
        '[0,4]',
        '[1,4]',
        '[2,4]',
        '[3,4]',
      ]);
      // Commands are registered once, by the process of shard 0.
      expect(fake.find('PUT', /^\/applications\/\d+\/commands$/)).toHaveLength(1);
    });

    it("answers every guild's command exactly once, from the process that owns the guild's shard", async () => {
      const user = fake.user('sam');
      const results = await Promise.all(
        guilds.map((g) => fake.slash({ command: 'decks', user, guildId: g.id })),
      );
      const ids = new Set(results.map((r) => r.record.id));
      const answered = (out: string) =>
        logLines(out).filter((l) => l.msg === 'interaction answered' && ids.has(String(l.interaction)));
      // The log line follows the answer: wait for it, and for any second process that would answer too.
      if (manager)
        await waitOutput(manager, 'the answers logged', (out) => answered(out).length >= guilds.length);
      const lines = answered(manager?.output() ?? '');
      results.forEach((r, shard) => {
        expect(r.record.shard, 'sent on the guild shard').toBe(shard);
        expect(r.record.deliveredTo, 'to one gateway connection').toBe(1);
        expect(r.record.callbacks, 'answered once').toHaveLength(1);
        expect(r.text).toContain('kubernetes');
        const by = lines.filter((l) => l.interaction === r.record.id).map((l) => l.shards);
        expect(by, `answered by the process of shard ${shard}`).toEqual([shard < 2 ? '0-1' : '2-3']);
      });
    });

    it('posts a daily round due in guilds on both processes exactly once each', async () => {
      const client = connectRedis(redis.url);
      try {
        await waitReady(client);
        const store = new RedisTeamStore(client, new Keys());
        const now = Date.now();
        for (const g of guilds) {
          const team = { platform: 'discord' as const, teamId: g.id };
          const channelId = g.channels[0]?.id ?? '';
          await store.putSchedule(team, {
            channelId,
            deckId: 'kubernetes',
            time: new Date(now - 60_000).toISOString().slice(11, 16),
            timezone: 'UTC',
            weekdays: [1, 2, 3, 4, 5, 6, 7],
            close: { kind: 'after', minutes: 480 },
            paused: false,
            updatedBy: 'admin',
            updatedAt: now,
          });
          await store.setDue({ kind: 'open', team, channelId }, now);
        }
        const posts = (channelId: string) =>
          [...fake.messages.values()].filter(
            (m) => m.channel_id === channelId && !m.webhook_id && isDailyPost(m),
          );
        // Posted, and recorded as posted: from then on no process's claim can post the round again.
        await fake.waitFor(
          'a daily post in every guild',
          () => guilds.every((g) => posts(g.channels[0]?.id ?? '').length > 0),
          30_000,
        );
        for (const g of guilds) {
          const team = { platform: 'discord' as const, teamId: g.id };
          await expect.poll(async () => (await store.openRounds(team)).length, { timeout: 10_000 }).toBe(1);
          expect(posts(g.channels[0]?.id ?? ''), `one post in ${g.name}`).toHaveLength(1);
        }
      } finally {
        client.disconnect();
      }
    });

    it('stops both shard processes on SIGTERM and exits 0', async () => {
      manager?.child.kill('SIGTERM');
      expect(await manager?.exited).toBe(0);
      const out = manager?.output() ?? '';
      expect(logLines(out).filter((l) => l.msg === 'stopped')).toHaveLength(3);
    });
  },
);
