import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromStoredState, unpackCard } from '../../../src/engine/cardstate.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { must } from '../../fakes/discord/harness.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { type BotProcess, startBotProcess } from './bot-process.js';

/** The bot as a real process (`quizbot start`) against the fake Discord and a private Redis. */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'quizbot start as a process (skipped with TEST_REDIS_URL: the bot writes the default key prefix, only into a Redis of our own)',
  () => {
    let redis: TestRedis;
    let fake: FakeDiscord;
    let bot: BotProcess | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'qb-proc-'));

    beforeAll(async () => {
      redis = await startTestRedis();
      fake = await FakeDiscord.start();
    });
    afterAll(async () => {
      if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
      await fake?.close();
      await redis?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('finishes a grade in flight on SIGTERM, answers the user, and exits 0', async () => {
      bot = await startBotProcess({
        DISCORD_TOKEN: 'test-token',
        DISCORD_API_URL: fake.apiUrl,
        REDIS_URL: redis.url,
        HTTP_PORT: '0',
        DATA_DIR: dataDir,
      });
      const out = bot.output;
      const exited = bot.exited;
      expect(out()).not.toContain('test-token');

      const alice = fake.user('alice');
      const start = await fake.slash({ command: 'review', user: alice, options: { deck: 'kubernetes' } });
      expect(start.text).toContain('Virtual machines pros');
      const shown = await fake.click({
        message: must(start.message),
        customId: must(start.buttons[0]).custom_id,
        user: alice,
      });
      const good = must(shown.buttons.find((b) => b.label.startsWith('Good')));

      // Hold every write (the grade's script) for 1.5 s, press Good, and once Redis holds the grade's
      // write (a blocked client: the grade is in flight), ask the bot to stop.
      const admin = new Redis(redis.url);
      await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
      const click = fake.click({ message: must(shown.message), customId: good.custom_id, user: alice });
      const blocked = async () => /blocked_clients:([1-9])/.test(await admin.info('clients'));
      while (!(await blocked())) await new Promise((r) => setTimeout(r, 10));
      bot.child.kill('SIGTERM');

      const graded = await click;
      expect(graded.text).toContain('Good — next review in 10m');
      expect(await exited).toBe(0);
      expect(out()).toContain('"shutting down"');
      expect(out()).toContain('"stopped"');

      // Stored by the deck's card key, its due in the due queue (store/redis/card-keys.ts, keys.ts).
      const keys = await admin.keys('qb:{u:discord:*}:states:kubernetes');
      expect(keys).toHaveLength(1);
      const cardKey = must(await admin.hget('qb:{k:kubernetes}:ids', 'vm-pros'));
      const state = await admin.hget(must(keys[0]), cardKey);
      const due = await admin.zscore(must(keys[0]).replace(':states:', ':queue:'), cardKey);
      expect(unpackCard(fromStoredState(must(state), Number(due))).reps).toBe(1);
      admin.disconnect();
    }, 40_000);
  },
);
