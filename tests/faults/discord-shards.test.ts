import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotProcess } from '../e2e/process/bot-process.js';
import { logLines, waitOutput } from './bot-log.js';
import { expectAnsweredOnce, ShardRig } from './shard-rig.js';

/** Bound of each step that waits on the bot processes (generous: a loaded 2-core machine). */
const STEP_MS = 60_000;

/**
 * `quizbot start` with DISCORD_SHARDS=4 and DISCORD_SHARDS_PER_PROCESS=2: the sharding manager
 * (discord-hybrid-sharding) forks two real bot processes of two shards each, against a fake
 * Discord that recommends 4 shards and sends each shard only its guilds' events.
 */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'Discord shards across processes (skipped with TEST_REDIS_URL: the bot processes write the default key prefix, only into a Redis of our own)',
  () => {
    let rig: ShardRig;
    let manager: BotProcess | undefined;

    beforeAll(async () => {
      rig = await ShardRig.start();
      manager = await rig.startBot(
        { DISCORD_SHARDS: 'auto', DISCORD_SHARDS_PER_PROCESS: '2', DISCORD_SHARD_SPAWN_DELAY_MS: '1' },
        STEP_MS,
        'shard manager starting',
      );
      await waitOutput(
        manager,
        'both shard processes running',
        (out) => logLines(out).filter((l) => l.msg === 'quizbot running').length >= 2,
        90_000,
      );
    }, 180_000);

    afterAll(async () => {
      await rig?.close();
    });

    it('runs two processes of two shards each, every guild connected on its own shard once', () => {
      const out = manager?.output() ?? '';
      const connected = logLines(out).filter((l) => l.msg === 'discord connected');
      expect(new Set(connected.map((l) => String(l.shards)))).toEqual(new Set(['0-1', '2-3']));
      expect(rig.identified().sort()).toEqual(['[0,4]', '[1,4]', '[2,4]', '[3,4]']);
      // Commands are registered once, by the process of shard 0.
      expect(rig.commandRegistrations()).toBe(1);
    });

    it(
      "answers every guild's command exactly once, from the process that owns the guild's shard",
      async () => {
        const answers = await rig.decksInEveryGuild(manager ? [manager] : [], STEP_MS);
        for (const a of answers) {
          expectAnsweredOnce(a);
          expect(
            a.answeredBy.map((by) => by.shards),
            `answered by the process of shard ${a.shard}`,
          ).toEqual([a.shard < 2 ? '0-1' : '2-3']);
        }
      },
      2 * STEP_MS,
    );

    it(
      'posts a daily round due in guilds on both processes exactly once each',
      async () => {
        await rig.expectOnePostPerGuild(STEP_MS);
      },
      2 * STEP_MS,
    );

    it(
      'stops both shard processes on SIGTERM and exits 0',
      async () => {
        expect(await rig.stopAll()).toEqual([0]);
        const out = manager?.output() ?? '';
        expect(logLines(out).filter((l) => l.msg === 'stopped')).toHaveLength(3);
      },
      STEP_MS,
    );
  },
);
