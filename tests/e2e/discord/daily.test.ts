import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PALETTE, PANEL_HEIGHT } from '../../../src/charts/options.js';
import { CHART_WIDTH, renderChart } from '../../../src/charts/render.js';
import { encodeAction } from '../../../src/engine/actions.js';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import type { ChatPort, DailyRound, TeamRef } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { isoWeekKey } from '../../../src/engine/schedule.js';
import { localDate } from '../../../src/engine/time.js';
import { Scheduler, type SchedulerEvent } from '../../../src/scheduler/scheduler.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, memoryLogger, must, startRig } from '../../fakes/discord/harness.js';
import type { FakeMessage, FakeUser } from '../../fakes/discord/payloads.js';
import { HOUR, ManualClock } from '../../helpers/engine.js';
import { decodePng } from '../../helpers/png.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const GUILD = '100000000000000003';
const CHANNEL = '200000000000000003';
const OTHER = '200000000000000004';
const team: TeamRef = { platform: 'discord', teamId: GUILD };
// Next Monday (UTC) after today: Redis expires rounds by the injected clock, so stay near real time.
const MONDAY_0000 = (() => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  return d.getTime();
})();
const MONDAY = localDate(MONDAY_0000, 'UTC');
const WEEK = isoWeekKey(MONDAY);
const MONDAY_0800 = MONDAY_0000 + 8 * HOUR;
const MONDAY_0900 = MONDAY_0000 + 9 * HOUR;

describe('discord: daily quiz in a channel, answers, close, leaderboard', () => {
  let server: TestRedis;
  let redis: Redis;
  let teamStore: RedisTeamStore;
  let daily: DailyService;
  let scheduler: Scheduler;
  const events: SchedulerEvent[] = [];
  let rig: DiscordRig;
  let chat: ChatPort | undefined;
  let carol: FakeUser; // admin
  let mallory: FakeUser; // plain member
  let alice: FakeUser;
  let bob: FakeUser;
  let dave: FakeUser;
  let round: DailyRound;
  let post: FakeMessage;
  const clock = new ManualClock(MONDAY_0800);
  const dailyLog = memoryLogger();

  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
    const keys = new Keys(server.prefix);
    teamStore = new RedisTeamStore(redis, keys);
    const decks = new DeckSet([threeCardDeck()]);
    const review = new ReviewService({ store: new RedisReviewStore(redis, keys), decks, clock });
    // The same wiring core.ts needs: the daily service asks for the chat port lazily, by platform.
    daily = new DailyService({
      store: teamStore,
      decks,
      clock,
      chat: (p) => (p === 'discord' ? chat : undefined),
      log: dailyLog,
    });
    scheduler = new Scheduler({ store: teamStore, daily, clock, onEvent: (e) => events.push(e) });
    rig = await startRig({
      engine: new QuizEngine({ decks, review, daily }),
      charts: renderChart,
      guildId: GUILD,
      fake: {
        guilds: [
          {
            id: GUILD,
            name: 'Quiz server',
            channels: [
              { id: CHANNEL, name: 'daily-quiz' },
              { id: OTHER, name: 'general' },
            ],
          },
        ],
      },
    });
    chat = rig.bot.chat;
    carol = rig.fake.user('carol', { admin: true });
    mallory = rig.fake.user('mallory');
    alice = rig.fake.user('alice');
    bob = rig.fake.user('bob');
    dave = rig.fake.user('dave');
  });

  afterAll(async () => {
    await rig?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  it('lets an admin schedule a daily question with /quiz-admin schedule', async () => {
    const r = await rig.fake.slash({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: carol,
      channelId: OTHER,
      options: {
        deck: 'k8s',
        time: '09:00',
        timezone: 'UTC',
        channel: CHANNEL,
        close: '2h',
        weekdays: 'mon-fri',
      },
    });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Daily quiz scheduled');
    expect(r.text).toContain(`<#${CHANNEL}>`);
    const s = await teamStore.getSchedule(team, CHANNEL);
    expect(s).toMatchObject({ deckId: 'k8s', time: '09:00', timezone: 'UTC', paused: false });
    const due = await teamStore.dueEntries(MONDAY_0900, 10);
    expect(due).toEqual([{ item: { kind: 'open', team, channelId: CHANNEL }, at: MONDAY_0900 }]);

    const list = await rig.fake.slash({ command: 'quiz-admin', subcommand: 'list', user: carol });
    expect(list.text).toContain('**k8s** at 09:00 (UTC)');
  });

  it('refuses /quiz-admin to a member without Manage Server, even when Discord lets the command through', async () => {
    const r = await rig.fake.slash({
      command: 'quiz-admin',
      subcommand: 'unschedule',
      user: mallory,
      options: { channel: CHANNEL },
    });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Only team admins');
    const again = await rig.fake.slash({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: mallory,
      options: { deck: 'k8s', time: '06:00', timezone: 'UTC', channel: CHANNEL },
    });
    expect(again.text).toContain('Only team admins');
    expect(await teamStore.getSchedule(team, CHANNEL)).toMatchObject({ time: '09:00', updatedBy: carol.id });
  });

  it('posts the scheduled question at 09:00, through a 429 on the channel post', async () => {
    clock.ms = MONDAY_0900 - 60_000;
    expect(await scheduler.tick()).toEqual({ due: 0, handled: 0 });
    clock.ms = MONDAY_0900;
    rig.fake.rateLimit('POST', new RegExp(`^/channels/${CHANNEL}/messages$`), 300);
    expect(await scheduler.tick()).toEqual({ due: 1, handled: 1 });
    const posted = events.find((e) => e.type === 'posted');
    expect(posted).toMatchObject({ type: 'posted', team, channelId: CHANNEL });
    expect(events.filter((e) => e.type === 'retry' || e.type === 'failed' || e.type === 'error')).toEqual([]);

    const posts = rig.fake.find('POST', new RegExp(`^/channels/${CHANNEL}/messages$`));
    expect(posts.map((p) => p.status)).toEqual([429, 200]);
    const [limited, retried] = [must(posts[0]), must(posts[1])];
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(250);
    expect(retried.body).toEqual(limited.body);
    expect((retried.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });

    round = must(
      await teamStore.getRound(team, posted?.type === 'posted' ? posted.roundId : ''),
      'the round',
    );
    expect(round.message?.channelId).toBe(CHANNEL);
    post = rig.fake.message(must(round.message, 'the post').messageId);
    expect(post.channel_id).toBe(CHANNEL);
    expect(post.flags & 64).toBe(0);
    const embed = post.embeds[0] as { title: string; description: string; footer: { text: string } };
    expect(embed.title).toBe('Daily quiz · Kubernetes basics');
    expect(embed.footer.text).toContain('closes at 11:00 (UTC)');
    const buttons = post.components.flatMap(
      (row) => row.components as { custom_id: string; label: string }[],
    );
    expect(buttons).toHaveLength(4);
    expect(buttons.map((b) => b.label[0])).toEqual(['A', 'B', 'C', 'D']);
    expect(rig.fake.rejected).toEqual([]);
    // Exactly one post per channel and date: another tick, or a second open, posts nothing.
    clock.ms = MONDAY_0900 + 60_000;
    await scheduler.tick();
    expect((await daily.openRound(team, CHANNEL, MONDAY)).status).toBe('taken');
    expect(rig.fake.find('POST', /\/messages$/).filter((p) => p.status === 200)).toHaveLength(1);
  });

  it('takes three answers privately and refuses a second answer', async () => {
    const ids = post.components.flatMap((row) =>
      (row.components as { custom_id: string }[]).map((b) => b.custom_id),
    );
    const right = must(ids[round.correct]);
    const wrong = must(ids[(round.correct + 1) % ids.length]);

    clock.ms = MONDAY_0900 + 5_000;
    const a = await rig.fake.click({ message: post, customId: right, user: alice });
    expect(a.callbackType).toBe(4);
    expect(a.ephemeral).toBe(true);
    expect(a.text).toContain('✅ Right');

    clock.ms = MONDAY_0900 + 9_000;
    const b = await rig.fake.click({ message: post, customId: wrong, user: bob });
    expect(b.ephemeral).toBe(true);
    expect(b.text).toContain('❌ Not quite');

    clock.ms = MONDAY_0900 + 12_000;
    const d = await rig.fake.click({ message: post, customId: right, user: dave });
    expect(d.text).toContain('✅ Right');

    clock.ms = MONDAY_0900 + 20_000;
    const twice = await rig.fake.click({ message: post, customId: wrong, user: alice });
    expect(twice.callbackType).toBe(4);
    expect(twice.ephemeral).toBe(true);
    expect(twice.text).toContain('You already answered');

    // Answers never touch the public post.
    expect(rig.fake.message(post.id).edits).toBe(0);
  });

  it('closes the round: the post is edited to reveal the answer and the results', async () => {
    clock.ms = round.closesAt;
    await scheduler.tick();
    expect(events).toContainEqual({ type: 'closed', team, roundId: round.roundId });

    const edits = rig.fake.find('PATCH', new RegExp(`^/channels/${CHANNEL}/messages/${post.id}$`));
    expect(edits.map((e) => e.status)).toEqual([200]);
    const closed = rig.fake.message(post.id);
    expect(closed.edits).toBe(1);
    expect(closed.components).toEqual([]); // buttons gone
    const embed = closed.embeds[0] as {
      title: string;
      description: string;
      fields: { name: string; value: string }[];
    };
    expect(embed.title).toContain('closed');
    expect(embed.description).toContain('✅');
    expect(embed.fields).toContainEqual(expect.objectContaining({ name: 'Answered', value: '3' }));
    expect(embed.fields).toContainEqual(expect.objectContaining({ name: 'Right', value: '67% (2/3)' }));
    const fastest = embed.fields.find((f) => f.name === 'Fastest')?.value ?? '';
    expect(fastest.split('\n')).toEqual(['1. Alice · 5s · +15', '2. Dave · 12s · +13']);
    // The picks chart: one PNG attachment shown in the embed, two right (highlighted), one wrong.
    expect((closed.embeds[0] as { image?: unknown }).image).toEqual({ url: 'attachment://round.png' });
    expect(closed.attachments.map((a) => [a.filename, a.content_type])).toEqual([['round.png', 'image/png']]);
    expect(closed.attachments[0]?.description).toContain('2 (right)');
    const png = decodePng(must(closed.attachments[0]).bytes);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, PANEL_HEIGHT.bars]);
    expect(png.count(PALETTE.accent)).toBeGreaterThan(100);

    // A late click on the closed question (an old client still showing buttons) is refused.
    const late = await rig.fake.click({
      message: post,
      customId: `q1:a:${round.roundId}:0`,
      user: mallory,
      unchecked: true,
    });
    expect(late.ephemeral).toBe(true);
    expect(late.text).toContain('closed');
    // Closing twice awards nothing twice and edits nothing.
    expect((await daily.closeRound(team, round.roundId)).status).toBe('already');
    expect(rig.fake.message(post.id).edits).toBe(1);
  });

  it('shows the players on /leaderboard as an embed', async () => {
    const r = await rig.fake.slash({ command: 'leaderboard', user: bob, options: { period: 'week' } });
    expect(r.callbackType).toBe(4);
    expect(r.message?.embeds).toHaveLength(1);
    expect(r.text).toContain(`Leaderboard · week ${WEEK}`);
    const lines = r.text.split('\n');
    expect(lines).toContain('1. Alice — 15 pts');
    expect(lines).toContain('2. Dave — 13 pts');
    const all = await rig.fake.slash({ command: 'leaderboard', user: alice, options: { period: 'all' } });
    expect(all.text).toContain('**1. Alice — 15 pts** (you)');
    const dflt = await rig.fake.slash({ command: 'leaderboard', user: dave });
    expect(dflt.text).toContain(`week ${WEEK}`);
    // A past period, by the option's choice: last week has no points yet.
    const last = await rig.fake.slash({
      command: 'leaderboard',
      user: dave,
      options: { period: 'last-week' },
    });
    expect(last.text).toMatch(/Leaderboard · week \d{4}-W\d{2}/);
    expect(last.text).not.toContain(`week ${WEEK}`);
    expect(last.text).toContain('No points yet');
    expect(rig.fake.rejected).toEqual([]);
    expect(dailyLog.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('posts an extra question on /quiz-admin post-now', async () => {
    const before = rig.fake.find('POST', new RegExp(`^/channels/${CHANNEL}/messages$`)).length;
    const r = await rig.fake.slash({
      command: 'quiz-admin',
      subcommand: 'post-now',
      user: carol,
      channelId: CHANNEL,
    });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Question posted');
    const posts = rig.fake.find('POST', new RegExp(`^/channels/${CHANNEL}/messages$`));
    expect(posts.length).toBe(before + 1);
    expect(posts.at(-1)?.status).toBe(200);
  });

  it('refuses a click whose action id names another round than the post it sits on', async () => {
    const eve = rig.fake.user('eve');
    const extraPost = must(rig.fake.channelMessages(CHANNEL).at(-1), 'the post-now message');
    expect(extraPost.id).not.toBe(post.id);
    // The first round's buttons are gone from its post since it closed; their action id is known.
    const original = encodeAction({ kind: 'answer', roundId: round.roundId, choice: 0 });
    // The first round's button copied onto the post-now message: another message of the channel.
    const copied = await rig.fake.click({
      message: extraPost,
      customId: original,
      user: eve,
      unchecked: true,
    });
    expect(copied.ephemeral).toBe(true);
    expect(copied.text).toContain('not one of mine');
    // The round id edited to name the other channel's round of the day.
    const edited = original.replace(round.roundId, round.roundId.replace(CHANNEL, OTHER));
    expect(edited).not.toBe(original);
    const forged = await rig.fake.click({ message: post, customId: edited, user: eve, unchecked: true });
    expect(forged.ephemeral).toBe(true);
    expect(forged.text).toContain('not one of mine');
    expect(dailyLog.entries.filter((e) => e.msg.includes('daily answer refused'))).toHaveLength(2);
  });
});
