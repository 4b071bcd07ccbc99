import { afterEach, describe, expect, it } from 'vitest';
import { DAILY_POINTS } from '../../src/engine/daily.js';
import { until } from './outcome.js';
import { hasRedisServer } from './redis-aof.js';
import { type SlackAnswered, SlackFaultRig } from './slack-rig.js';

const haveRedis = await hasRedisServer();

/**
 * The fault suite on Slack: a real bot process (HTTP mode) against the fake Slack (message
 * metadata returned by conversations.history) and an AOF redis-server.
 */
describe.skipIf(!haveRedis)('fault suite (Slack)', () => {
  let rig: SlackFaultRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('(a) a post created by Slack but answered only after the client gave up: one post, answers and points once', async () => {
    rig = await SlackFaultRig.start();
    await rig.startBot();
    const [c0, c1] = ['C0LATE', 'C0FINE'];
    await rig.schedule([c0, c1]);
    // Slack creates the message, and answers after the bot's post timeout and its item timeout.
    rig.fake.fault({ method: 'chat.postMessage', channel: c0, kind: 'late', ms: 8_000 });
    await rig.dueNow([c0, c1]);
    await until('a post in each channel', () => rig?.posts(c0).length === 1 && rig.posts(c1).length === 1);
    const posted = rig.posts(c0)[0];
    if (!posted) throw new Error('no post');
    const roundId = rig.roundOf(posted);
    await until('the round to be recorded as posted', async () =>
      Boolean((await rig?.store.getRound(rig.team, roundId))?.message),
    );
    // The message Slack created first is the one recorded; the retry made no second one.
    expect(rig.posts(c0)).toHaveLength(1);
    expect((await rig.store.getRound(rig.team, roundId))?.message?.messageId).toBe(posted.ts);

    const answered: SlackAnswered[] = [];
    for (const c of [c0, c1]) {
      const post = rig.posts(c)[0];
      if (!post) throw new Error(`no post in ${c}`);
      answered.push(await rig.answer('U0ALICE', post, 0), await rig.answer('U0BOB', post, 1));
    }
    expect(answered.every((a) => a.acknowledged)).toBe(true);

    const rounds = [c0, c1].map((c) => rig?.roundOf(rig.posts(c)[0] as never) as string);
    await rig.closeNow(rounds);
    await until('the results in both posts', () => [c0, c1].every((c) => (rig?.posts(c)[0]?.edits ?? 0) > 0));
    for (const c of [c0, c1]) expect(rig.posts(c), `posts in ${c}`).toHaveLength(1);

    const only = DAILY_POINTS.correct + (DAILY_POINTS.speedBonus[0] ?? 0);
    const expected = new Map<string, number>();
    for (const a of answered)
      expected.set(a.user, (expected.get(a.user) ?? 0) + (a.reply.includes('Right:') ? only : 0));
    const points = async () =>
      new Map(await Promise.all([...expected.keys()].map(async (u) => [u, await rig?.points(u)] as const)));
    expect(await points()).toEqual(expected);
    // A second close of both rounds awards nothing.
    await rig.closeNow(rounds);
    await until('the second closes to be handled', async () => {
      const due = await rig?.store.dueEntries(Number.MAX_SAFE_INTEGER, 100);
      return !due?.some((d) => d.item.kind === 'close');
    });
    expect(await points()).toEqual(expected);
  }, 60_000);
});
