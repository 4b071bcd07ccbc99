import { afterEach, describe, expect, it } from 'vitest';
import { must } from '../fakes/discord/harness.js';
import { DiscordFaultRig } from './discord-rig.js';
import { answerEverywhere, closeAndCheck, until } from './outcome.js';
import { hasRedisServer } from './redis-aof.js';

const haveRedis = await hasRedisServer();

async function readyz(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

/**
 * The fault suite on Discord: real bot processes (`quizbot start`) against the fake Discord and
 * an AOF redis-server. Every scenario ends with exactly one post per channel and date, every
 * acknowledged answer kept and points awarded once (see outcome.ts).
 */
describe.skipIf(!haveRedis)('fault suite (Discord)', () => {
  let rig: DiscordFaultRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('(c) Redis restarted mid-round: answers before and after are kept, one refused while it is down is not acknowledged', async () => {
    rig = await DiscordFaultRig.start(3);
    const bot = await rig.startBot();
    const [c0, c1, c2] = rig.channelIds as [string, string, string];
    await rig.schedule([c0, c1, c2]);
    await rig.dueNow([c0, c1]);
    await rig.waitPosted([c0, c1]);
    const alice = rig.fake.user('alice');
    const bob = rig.fake.user('bob');
    const answered = await answerEverywhere(rig, [c0], [alice, bob]);

    await rig.redis.stop();
    const refused = await rig.answer(alice, must(rig.posts(c1)[0]), 0);
    expect(refused.acknowledged).toBe(false);
    expect(refused.reply.text).toMatch(/database/);
    await rig.redis.start();
    await until('the bot to be ready again', async () => (await readyz(bot.httpPort)) === 200);

    answered.push(refused, ...(await answerEverywhere(rig, [c1], [alice, bob])));
    // The scheduler kept ticking through the outage: a round due after it is posted.
    await rig.dueNow([c2]);
    await rig.waitPosted([c2]);
    answered.push(...(await answerEverywhere(rig, [c2], [alice, bob])));
    await closeAndCheck(rig, [c0, c1, c2], answered);
  }, 60_000);
});
