import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlack } from '../../../src/adapters/slack/start.js';
import { PALETTE, PANEL_HEIGHT } from '../../../src/charts/options.js';
import { CHART_WIDTH, renderChart } from '../../../src/charts/render.js';
import { decodeAction } from '../../../src/engine/actions.js';
import type { TeamRef } from '../../../src/engine/ports.js';
import { Scheduler, type SchedulerEvent } from '../../../src/scheduler/scheduler.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { must } from '../../fakes/discord/harness.js';
import { blockActionsPayload, SlackSender } from '../../fakes/slack/signer.js';
import { HOUR, MINUTE } from '../../helpers/engine.js';
import { decodePng } from '../../helpers/png.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { blockText, buttons, droppedResends, SECRET, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

let t: TestRedis;
let redis: Redis;
let rig: SlackRig;
const team: TeamRef = { platform: 'slack', teamId: TEAM };
// A channel id of Slack's shape: files.completeUploadExternal checks it.
const CHANNEL = 'C0QUIZ0001';

beforeAll(async () => {
  t = await startTestRedis();
  redis = connectRedis(t.url);
  await waitReady(redis);
});

afterAll(async () => {
  redis.disconnect();
  await t.dispose();
});

beforeEach(async () => {
  rig = await startRig({ redis, prefix: t.prefix, adminUsers: ['U0CONF'], charts: renderChart });
  rig.fake.users.set('U0ADMIN', { name: 'ada', is_admin: true });
  rig.fake.users.set('U0OWNER', { name: 'olga', is_owner: true });
});

afterEach(async () => {
  await rig.close();
});

async function quiz(text: string, user: string) {
  const r = rig.fake.responseUrl();
  const res = await rig.sender.command({
    text,
    user_id: user,
    team_id: TEAM,
    response_url: r.url,
    channel_id: CHANNEL,
  });
  expect(res.status).toBe(200);
  const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${text}`);
  return post.body;
}

/** Clicks a choice on the channel post as `user`; resolves with the response_url id and payload. */
async function answer(user: string, value: string, ts: string) {
  const r = rig.fake.responseUrl();
  const payload = blockActionsPayload({
    user_id: user,
    team_id: TEAM,
    action_id: value,
    response_url: r.url,
    channel_id: CHANNEL,
    message_ts: ts,
  });
  const res = await rig.sender.interactive(payload);
  expect(res.status).toBe(200);
  return { id: r.id, payload };
}

describe('daily quiz in a Slack channel', () => {
  it('schedules, posts through a 429, takes three users’ answers once each, closes and updates the post', async () => {
    // A workspace admin (users.info is_admin) schedules the channel through the slash command.
    const scheduled = await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 Europe/London daily 8h`, 'U0ADMIN');
    expect(blockText(scheduled.blocks)).toContain('Daily quiz scheduled');
    expect(blockText(scheduled.blocks)).toContain(`<#${CHANNEL}>`);
    expect(rig.fake.callsOf('users.info').map((c) => c.args.user)).toEqual(['U0ADMIN']);
    expect((await rig.teamStore.getSchedule(team, CHANNEL))?.time).toBe('09:00');
    expect(blockText((await quiz('list', 'U0PLAIN')).blocks)).toContain('**test**'.replaceAll('**', '*'));

    // 09:00 London (UTC in March): the scheduler's tick. Slack answers the first post with 429.
    const events: SchedulerEvent[] = [];
    const scheduler = new Scheduler({
      store: rig.teamStore,
      daily: rig.daily,
      clock: rig.clock,
      log: rig.log,
      onEvent: (e) => events.push(e),
    });
    rig.clock.advance(HOUR - MINUTE);
    expect((await scheduler.tick()).due).toBe(0);
    rig.clock.advance(MINUTE);
    rig.fake.rateLimit('chat.postMessage', 1);
    expect(await scheduler.tick()).toEqual({ due: 1, handled: 1 });
    const posted = events.find((e) => e.type === 'posted');
    if (posted?.type !== 'posted') throw new Error('not posted');
    const round = await rig.teamStore.getRound(team, posted.roundId);
    if (!round?.message) throw new Error('round not recorded');
    const opened = { status: 'posted' as const, roundId: posted.roundId, message: round.message };
    const posts = rig.fake.callsOf('chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(rig.fake.messages.size).toBe(1);
    const msg = [...rig.fake.messages.values()][0];
    if (!msg) throw new Error('no post');
    expect(opened.message).toEqual({ channelId: CHANNEL, messageId: msg.ts });
    expect(blockText(msg.blocks)).toContain('Daily quiz · Test deck');
    const choices = buttons(msg.blocks);
    expect(choices).toHaveLength(4);
    const right = choices.find((b) => /^[A-D]\. A\d$/.test(b.label));
    const wrong = choices.find((b) => /^[A-D]\. W\d$/.test(b.label));
    if (!right || !wrong) throw new Error('choices not found');

    // Three users: one right, one wrong then again (only the first counts), one re-sent by Slack.
    rig.clock.advance(MINUTE);
    const u1 = await answer('U0ONE', right.value, msg.ts);
    const r1 = await waitFor(() => rig.fake.responsesTo(u1.id)[0], 'U0ONE reply');
    expect(r1.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(blockText(r1.body.blocks)).toContain('Right');

    rig.clock.advance(MINUTE);
    const u2 = await answer('U0TWO', wrong.value, msg.ts);
    const r2 = await waitFor(() => rig.fake.responsesTo(u2.id)[0], 'U0TWO reply');
    expect(blockText(r2.body.blocks)).toContain('Not quite');
    const u2again = await answer('U0TWO', right.value, msg.ts);
    const r2again = await waitFor(() => rig.fake.responsesTo(u2again.id)[0], 'U0TWO second reply');
    expect(blockText(r2again.body.blocks)).toContain('only the first answer counts');

    rig.clock.advance(MINUTE);
    const u3 = await answer('U0THREE', right.value, msg.ts);
    await waitFor(() => rig.fake.responsesTo(u3.id)[0], 'U0THREE reply');
    const dropped = droppedResends(rig.log);
    const resent = await rig.sender.interactive(u3.payload, { retryNum: 1 });
    expect(resent.status).toBe(200);
    await waitFor(() => droppedResends(rig.log) > dropped, 'the re-send dropped');
    expect(rig.fake.responsesTo(u3.id)).toHaveLength(1);
    expect(rig.fake.messages.get(`${CHANNEL}:${msg.ts}`)?.edits).toBe(0);

    // Close at 17:00 (the scheduler's tick): one chat.update reveals the answer and the results.
    rig.clock.advance(8 * HOUR);
    await scheduler.tick();
    expect(events.some((e) => e.type === 'closed' && e.roundId === opened.roundId)).toBe(true);
    const updates = rig.fake.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args).toMatchObject({ channel: CHANNEL, ts: msg.ts });
    const edited = rig.fake.messages.get(`${CHANNEL}:${msg.ts}`);
    expect(edited?.edits).toBe(1);
    const result = blockText(edited?.blocks);
    expect(result).toContain('closed');
    expect(result).toContain('*Answered*\n3');
    expect(result).toContain('67% (2/3)');
    expect(result).toContain('<@U0ONE>');
    expect(buttons(edited?.blocks)).toEqual([]);
    // The picks chart follows as a file in the post's thread: two right (highlighted), one wrong.
    const shared = [...rig.fake.files.values()].filter((f) => f.completed?.thread_ts === msg.ts);
    expect(shared.map((f) => [f.filename, f.completed?.channel_id])).toEqual([['round.png', CHANNEL]]);
    expect(shared[0]?.alt_text).toMatch(/^How the 3 answers were spread over the choices: /);
    expect(shared[0]?.alt_text).toContain('2 (right)');
    const png = decodePng(must(shared[0]?.bytes));
    expect([png.width, png.height]).toEqual([CHART_WIDTH, PANEL_HEIGHT.bars]);
    expect(png.count(PALETTE.accent)).toBeGreaterThan(100);
    // Closing twice awards nothing twice and edits nothing again.
    expect((await rig.daily.closeRound(team, opened.roundId)).status).toBe('already');
    expect(rig.fake.callsOf('chat.update')).toHaveLength(1);
    expect(rig.fake.files.size).toBe(1);

    // A late answer is refused privately.
    const late = await answer('U0FOUR', right.value, msg.ts);
    const rl = await waitFor(() => rig.fake.responsesTo(late.id)[0], 'late reply');
    expect(blockText(rl.body.blocks)).toContain('closed');

    // The leaderboard: U0ONE first (10 + 5), U0THREE second (10 + 3), U0TWO with 0.
    const board = await quiz('leaderboard', 'U0THREE');
    expect(board.response_type).toBe('ephemeral');
    const text = blockText(board.blocks);
    expect(text).toContain('Leaderboard · week 2035-W10');
    expect(text).toMatch(/1\. <@U0ONE> — 15 pts/);
    expect(text).toMatch(/\*2\. <@U0THREE> — 13 pts\* \(you\)/);
    const month = await quiz('leaderboard month', 'U0ONE');
    expect(blockText(month.blocks)).toContain('month 2035-03');
    const all = await quiz('leaderboard all', 'U0ONE');
    expect(blockText(all.blocks)).toContain('all time');
  });

  it('a re-sent answer handled by another replica gets the same reply, not "already answered"', async () => {
    // A second replica: its own Bolt app and in-process DeliveryLog, the same Redis data (the
    // engine is stateless; it shares rig.engine and so rig.teamStore's keys).
    const replica = await startSlack({
      botToken: 'xoxb-test-token',
      engine: rig.engine,
      log: rig.log,
      apiUrl: rig.fake.apiUrl,
      retry: 'test',
      signingSecret: SECRET,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const other = new SlackSender(`http://127.0.0.1:${replica.port ?? 0}/slack/events`, SECRET);
      await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 UTC daily 8h`, 'U0CONF');
      expect(blockText((await quiz(`post-now <#${CHANNEL}|quiz>`, 'U0CONF')).blocks)).toContain(
        'Question posted',
      );
      const msg = [...rig.fake.messages.values()][0];
      if (!msg) throw new Error('no post');
      const choices = buttons(msg.blocks);
      const right = choices.find((b) => /^[A-D]\. A\d$/.test(b.label));
      const wrong = choices.find((b) => /^[A-D]\. W\d$/.test(b.label));
      if (!right || !wrong) throw new Error('choices not found');
      const replies = (id: string) => rig.fake.responsesTo(id).map((r) => blockText(r.body.blocks));

      // One click, delivered to both replicas at once (the first delivery and Slack's re-send).
      rig.clock.advance(MINUTE);
      const r1 = rig.fake.responseUrl();
      const p1 = blockActionsPayload({
        user_id: 'U0ONE',
        team_id: TEAM,
        action_id: right.value,
        response_url: r1.url,
        channel_id: CHANNEL,
        message_ts: msg.ts,
      });
      const sent = await Promise.all([rig.sender.interactive(p1), other.interactive(p1, { retryNum: 1 })]);
      expect(sent.map((r) => r.status)).toEqual([200, 200]);
      const both = await waitFor(() => replies(r1.id).length === 2 && replies(r1.id), 'both replies');
      for (const text of both) {
        expect(text).toContain('Right');
        expect(text).not.toContain('already');
      }
      expect(both[0]).toBe(both[1]);

      // Another click, re-sent to the other replica a minute after the first one answered.
      const r2 = rig.fake.responseUrl();
      const p2 = blockActionsPayload({
        user_id: 'U0TWO',
        team_id: TEAM,
        action_id: wrong.value,
        response_url: r2.url,
        channel_id: CHANNEL,
        message_ts: msg.ts,
      });
      expect((await rig.sender.interactive(p2)).status).toBe(200);
      const firstReply = await waitFor(() => replies(r2.id)[0], 'U0TWO reply');
      expect(firstReply).toContain('Not quite');
      rig.clock.advance(MINUTE);
      expect((await other.interactive(p2, { retryNum: 1 })).status).toBe(200);
      const again = await waitFor(() => replies(r2.id)[1], 'U0TWO reply from the other replica');
      expect(again).toBe(firstReply);
      // The in-process DeliveryLog still drops a re-send to a replica that handled it already.
      const dropped = droppedResends(rig.log);
      expect((await other.interactive(p2, { retryNum: 2 })).status).toBe(200);
      await waitFor(() => droppedResends(rig.log) > dropped, 'the re-send dropped by the other replica');
      expect(replies(r2.id)).toHaveLength(2);

      // One answer each was recorded: two answered, one right.
      const action = decodeAction(right.value);
      if (action.kind !== 'answer') throw new Error('not an answer button');
      const closed = await rig.daily.closeRound(team, action.roundId);
      expect(closed.status).toBe('closed');
      const result = blockText(rig.fake.messages.get(`${CHANNEL}:${msg.ts}`)?.blocks);
      expect(result).toContain('*Answered*\n2');
      expect(result).toContain('50% (1/2)');
    } finally {
      await replica.stop();
    }
  });

  it('a failed daily post is retried by the next ticks, not lost, and posted once', async () => {
    expect(
      blockText((await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 UTC daily`, 'U0CONF')).blocks),
    ).toContain('scheduled');
    const events: SchedulerEvent[] = [];
    const scheduler = new Scheduler({
      store: rig.teamStore,
      daily: rig.daily,
      clock: rig.clock,
      onEvent: (e) => events.push(e),
    });
    rig.clock.advance(HOUR);
    // Slack fails the post outright (not a rate limit): the scheduler backs off and tries again.
    rig.fake.failNext('chat.postMessage', 'internal_error');
    await scheduler.tick();
    expect(events.map((e) => e.type)).toContain('retry');
    expect(rig.fake.messages.size).toBe(0);
    rig.clock.advance(2 * MINUTE);
    rig.fake.rateLimit('chat.postMessage', 1);
    await scheduler.tick();
    expect(events.filter((e) => e.type === 'posted')).toHaveLength(1);
    expect(rig.fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([200, 429, 200]);
    expect(rig.fake.messages.size).toBe(1);
    // Later ticks the same day post nothing more.
    rig.clock.advance(5 * MINUTE);
    await scheduler.tick();
    expect(rig.fake.messages.size).toBe(1);
  });

  it('refuses a non-admin privately and changes nothing', async () => {
    const refused = await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 UTC`, 'U0PLAIN');
    expect(blockText(refused.blocks)).toContain('Only team admins');
    expect(refused.response_type).toBe('ephemeral');
    expect(await rig.teamStore.getSchedule(team, CHANNEL)).toBeNull();
    for (const cmd of [`pause <#${CHANNEL}>`, `post-now <#${CHANNEL}>`, `unschedule <#${CHANNEL}>`]) {
      expect(blockText((await quiz(cmd, 'U0PLAIN')).blocks)).toContain('Only team admins');
    }
    expect(rig.fake.callsOf('chat.postMessage')).toHaveLength(0);

    // Owners and configured admin ids may; the configured one needs no users.info call.
    expect(blockText((await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 UTC`, 'U0OWNER')).blocks)).toContain(
      'scheduled',
    );
    const before = rig.fake.callsOf('users.info').length;
    expect(blockText((await quiz(`pause <#${CHANNEL}|quiz>`, 'U0CONF')).blocks)).toContain('paused');
    expect(rig.fake.callsOf('users.info')).toHaveLength(before);

    // post-now by an admin posts at once (through the ChatPort).
    expect(blockText((await quiz(`resume <#${CHANNEL}|quiz>`, 'U0CONF')).blocks)).toContain('resumed');
    expect(blockText((await quiz(`post-now <#${CHANNEL}|quiz>`, 'U0CONF')).blocks)).toContain(
      'Question posted',
    );
    expect(rig.fake.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('when users.info fails, an admin command answers a private error and is logged', async () => {
    rig.fake.failNext('users.info', 'internal_error');
    const out = await quiz(`schedule <#${CHANNEL}|quiz> test 09:00 UTC`, 'U0ADMIN');
    expect(blockText(out.blocks)).toContain('Something went wrong');
    expect(await rig.teamStore.getSchedule(team, CHANNEL)).toBeNull();
    expect(rig.log.lines.some((l) => l.level === 'error' && l.msg.includes('/quiz failed'))).toBe(true);
  });
});
