import { afterEach, describe, expect, it } from 'vitest';
import { must } from '../fakes/discord/harness.js';
import { DiscordFaultRig } from './discord-rig.js';
import { answerEverywhere, closeAndCheck, until } from './outcome.js';
import { hasRedisServer } from './redis-aof.js';

const haveRedis = await hasRedisServer();

/**
 * The fault suite on Discord, the exactly-once part: real bot processes against the fake Discord
 * (nonce uniqueness with enforce_nonce) and an AOF redis-server, where a post's outcome is
 * uncertain. Each scenario ends with exactly one post per channel and date, every acknowledged
 * answer kept and points awarded once (see outcome.ts).
 */
describe.skipIf(!haveRedis)('fault suite (Discord): uncertain posts', () => {
  let rig: DiscordFaultRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('(a) a post created by Discord but answered only after the client gave up: one post, graded against its own card', async () => {
    rig = await DiscordFaultRig.start(2);
    await rig.startBot();
    const [c0, c1] = rig.channelIds as [string, string];
    await rig.schedule([c0, c1]);
    const path = new RegExp(`^/channels/${c0}/messages$`);
    // Longer than the bot's post timeout and than its work item's timeout.
    rig.fake.fault({ method: 'POST', path, kind: 'late', ms: 8_000 });
    await rig.dueNow([c0, c1]);
    await rig.waitPosted([c0, c1]);
    await until('the round to be recorded as posted', async () => {
      const round = await rig?.store.getRound(rig.team, rig.roundOf(must(rig.posts(c0)[0])));
      return Boolean(round?.message);
    });
    const answered = await answerEverywhere(rig, [c0, c1], [rig.fake.user('alice'), rig.fake.user('bob')]);
    await closeAndCheck(rig, [c0, c1], answered);
  }, 60_000);

  it('(b) a post hanging past the claim lease: the late request lands on the same message', async () => {
    rig = await DiscordFaultRig.start(2);
    await rig.startBot();
    const [c0, c1] = rig.channelIds as [string, string];
    await rig.schedule([c0, c1]);
    const path = new RegExp(`^/channels/${c0}/messages$`);
    // Nothing happens for longer than the claim lease (3 s), then Discord does the work of the
    // first request after all.
    rig.fake.fault({ method: 'POST', path, kind: 'stall', ms: 4_000 });
    await rig.dueNow([c0, c1]);
    await rig.waitPosted([c0, c1]);
    const fake = rig.fake;
    await fake.waitFor(
      'the stalled request to be handled',
      () => fake.find('POST', path).every((r) => r.handled),
      20_000,
    );
    const answered = await answerEverywhere(rig, [c0, c1], [rig.fake.user('alice'), rig.fake.user('bob')]);
    await closeAndCheck(rig, [c0, c1], answered);
  }, 60_000);

  it('(d) a process SIGKILLed between the post and its record: the next process records the same message', async () => {
    rig = await DiscordFaultRig.start(1);
    const first = await rig.startBot();
    const [c0] = rig.channelIds as [string];
    await rig.schedule([c0]);
    const path = new RegExp(`^/channels/${c0}/messages$`);
    // Discord creates the message; its answer has not reached the bot when the bot dies.
    rig.fake.fault({ method: 'POST', path, kind: 'late', ms: 20_000 });
    await rig.dueNow([c0]);
    await rig.waitPosted([c0]);
    const roundId = rig.roundOf(must(rig.posts(c0)[0]));
    expect((await rig.store.getRound(rig.team, roundId))?.message ?? null).toBeNull();
    first.child.kill('SIGKILL');
    await first.exited;

    await rig.startBot();
    await until('the next process to record the post', async () =>
      Boolean((await rig?.store.getRound(rig.team, roundId))?.message),
    );
    const answered = await answerEverywhere(rig, [c0], [rig.fake.user('alice'), rig.fake.user('bob')]);
    await closeAndCheck(rig, [c0], answered);
  }, 60_000);

  it('(e) two post-now at once, each delivered to two processes: one post', async () => {
    rig = await DiscordFaultRig.start(1);
    await rig.startBot();
    await rig.startBot(); // Discord sends every interaction to both sessions on the shard
    const [c0] = rig.channelIds as [string];
    await rig.schedule([c0]);
    const postNow = () =>
      rig?.fake.slash({
        command: 'quiz-admin',
        subcommand: 'post-now',
        user: must(rig?.admin),
        options: { channel: c0 },
      });
    const replies = await Promise.all([postNow(), postNow()]);
    // Every process answered both commands (Discord refuses all but the first answer of each),
    // so no post-now is still under way anywhere.
    const fake = rig.fake;
    await fake.waitFor(
      'both processes to answer both commands',
      () =>
        replies.every(
          (r) => fake.find('POST', new RegExp(`^/interactions/${r?.record.id}/[^/]+/callback$`)).length >= 2,
        ),
      20_000,
    );
    await rig.waitPosted([c0]);
    const answered = await answerEverywhere(rig, [c0], [rig.fake.user('alice'), rig.fake.user('bob')]);
    await closeAndCheck(rig, [c0], answered);
  }, 60_000);
});
