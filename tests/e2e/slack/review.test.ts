import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRef } from '../../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { blockActionsPayload, eventCallback } from '../../fakes/slack/signer.js';
import { MINUTE } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import {
  blockText,
  buttons,
  DAY0,
  droppedResends,
  type SlackRig,
  startRig,
  T0,
  TEAM,
  waitFor,
} from './rig.js';

let t: TestRedis;
let redis: Redis;
let rig: SlackRig;

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
  rig = await startRig({ redis, prefix: t.prefix });
});

afterEach(async () => {
  await rig.close();
});

const alice: UserRef = { platform: 'slack', userId: 'U0ALICE' };

/** Sends `/quiz <text>` as alice and resolves with what was posted to its response_url. */
async function quiz(text: string, user = alice.userId) {
  const r = rig.fake.responseUrl();
  const res = await rig.sender.command({ text, user_id: user, team_id: TEAM, response_url: r.url });
  expect(res.status).toBe(200);
  const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${text}`);
  return { res, post: post.body, responseId: r.id };
}

/** Presses a button of an ephemeral message as alice. */
async function press(value: string, opts: { retryNum?: number; payload?: Record<string, unknown> } = {}) {
  const r = rig.fake.responseUrl();
  const payload =
    opts.payload ??
    blockActionsPayload({
      user_id: alice.userId,
      team_id: TEAM,
      action_id: value,
      response_url: r.url,
      ephemeral: true,
    });
  const res = await rig.sender.interactive(
    payload,
    opts.retryNum === undefined ? {} : { retryNum: opts.retryNum },
  );
  expect(res.status).toBe(200);
  return { res, responseId: r.id, payload, url: r.url };
}

describe('/quiz review over Slack (real Bolt app, signed requests, fake Web API)', () => {
  it('runs a full review of three cards, replacing the message in place, and stores the schedule', async () => {
    const first = await quiz('review test');
    // Acked at once with an empty 200; the card arrives through the response_url.
    expect(first.res.body).toBe('');
    expect(first.res.ms).toBeLessThan(3_000);
    expect(first.post.response_type).toBe('ephemeral');
    expect(blockText(first.post.blocks)).toContain('Question 1?');
    let current = first.post;

    for (const n of [1, 2, 3]) {
      const reveal = buttons(current.blocks).find((b) => b.label === 'Show answer');
      expect(reveal, `Show answer on card ${n}`).toBeDefined();
      const shown = await press(reveal?.value ?? '');
      const back = await waitFor(() => rig.fake.responsesTo(shown.responseId)[0], 'revealed card');
      expect(back.body.replace_original).toBe(true);
      expect(blockText(back.body.blocks)).toContain(`Answer ${n}`);
      const rating = buttons(back.body.blocks);
      expect(rating.map((b) => b.label.split(' · ')[0])).toEqual(['Again', 'Hard', 'Good', 'Easy']);
      const good = rating.find((b) => b.label.startsWith('Good'));
      const graded = await press(good?.value ?? '');
      const next = await waitFor(() => rig.fake.responsesTo(graded.responseId)[0], 'next card');
      expect(next.body.replace_original).toBe(true);
      expect(blockText(next.body.blocks)).toContain('Good — next review in');
      current = next.body;
    }
    expect(blockText(current.blocks)).toContain('Nothing due in Test deck');
    expect(buttons(current.blocks)).toEqual([]);

    // The schedule, read back from Redis: three cards known, all due later, three reviews today.
    const now = rig.clock.now();
    for (const id of ['c1', 'c2', 'c3'])
      expect(await rig.reviewStore.getState(alice, 'test', id)).not.toBeNull();
    const snap = await rig.reviewStore.queue(alice, 'test', now, now + 16 * 60 * MINUTE, DAY0);
    expect(snap).toMatchObject({ known: 3, dueNow: 0, newToday: 3, dueCardId: null });
    expect(snap.nextDue).toBeGreaterThan(now);
    const [today] = await rig.reviewStore.dayCounters(alice, 'test', [DAY0]);
    expect(today?.reviews).toBe(3);

    // Ten minutes on, the learning steps are due again: the review starts over with a due card.
    rig.clock.advance(11 * MINUTE);
    const again = await quiz('review test');
    expect(blockText(again.post.blocks)).toMatch(/Question \d\?/);
    expect(blockText(again.post.blocks)).toContain('due now');
  });

  it('a re-sent grade (X-Slack-Retry-Num) and a double click apply the grade once', async () => {
    const first = await quiz('review test');
    const reveal = buttons(first.post.blocks)[0];
    const shown = await press(reveal?.value ?? '');
    const back = await waitFor(() => rig.fake.responsesTo(shown.responseId)[0], 'revealed');
    const good = buttons(back.body.blocks).find((b) => b.label.startsWith('Good'));
    const graded = await press(good?.value ?? '');
    await waitFor(() => rig.fake.responsesTo(graded.responseId)[0], 'graded');

    // Slack re-sends the very same request: acked, not handled again, no second message.
    const dropped = droppedResends(rig.log);
    const resent = await rig.sender.interactive(graded.payload, { retryNum: 1 });
    expect(resent.status).toBe(200);
    const resent2 = await rig.sender.interactive(graded.payload, { retryNum: 2 });
    expect(resent2.status).toBe(200);
    await waitFor(() => droppedResends(rig.log) >= dropped + 2, 'both re-sends dropped');
    expect(rig.fake.responsesTo(graded.responseId)).toHaveLength(1);

    // A real second click on the old button (a new request): the engine applies nothing.
    const twice = await press(good?.value ?? '');
    const second = await waitFor(() => rig.fake.responsesTo(twice.responseId)[0], 'second click');
    expect(blockText(second.body.blocks)).toContain('already graded');
    const [today] = await rig.reviewStore.dayCounters(alice, 'test', [DAY0]);
    expect(today?.reviews).toBe(1);
  });

  it('refuses a button of someone else’s review privately, leaving the message alone', async () => {
    const first = await quiz('review test');
    const reveal = buttons(first.post.blocks)[0];
    const r = rig.fake.responseUrl();
    await rig.sender.interactive(
      blockActionsPayload({
        user_id: 'U0BOB',
        team_id: TEAM,
        action_id: reveal?.value ?? '',
        response_url: r.url,
        ephemeral: true,
      }),
    );
    const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'refusal');
    expect(post.body.replace_original).toBe(false);
    expect(post.body.response_type).toBe('ephemeral');
    expect(blockText(post.body.blocks)).toContain('belongs to someone else');
  });

  it('answers help, decks, stats and usage errors privately', async () => {
    const help = await quiz('');
    expect(blockText(help.post.blocks)).toContain('/quiz review [deck]');
    expect(blockText(help.post.blocks)).toContain('/quiz schedule #channel');

    const decks = await quiz('decks');
    expect(blockText(decks.post.blocks)).toContain('Test deck');

    const stats = await quiz('stats');
    expect(stats.post.response_type).toBe('ephemeral');
    expect(blockText(stats.post.blocks)).toContain('Due now');

    for (const bad of [
      'frobnicate',
      'leaderboard yearly',
      'pause general',
      'schedule <#C0QUIZ|quiz> test 25:00 UTC',
      'review a b',
    ]) {
      const u = await quiz(bad);
      expect(u.post.response_type, bad).toBe('ephemeral');
      expect(blockText(u.post.blocks), bad).toContain('Usage');
    }
    const unknownDeck = await quiz('review nope');
    expect(blockText(unknownDeck.post.blocks)).toContain('no deck with that name');
  });

  it('shows due cards, streak and rank in the App Home tab when it is opened', async () => {
    const first = await quiz('review test');
    const shown = await press(buttons(first.post.blocks)[0]?.value ?? '');
    const back = await waitFor(() => rig.fake.responsesTo(shown.responseId)[0], 'revealed');
    const graded = await press(
      buttons(back.body.blocks).find((b) => b.label.startsWith('Again'))?.value ?? '',
    );
    await waitFor(() => rig.fake.responsesTo(graded.responseId)[0], 'graded');
    rig.clock.advance(2 * MINUTE);

    const body = eventCallback(TEAM, {
      type: 'app_home_opened',
      user: alice.userId,
      channel: 'D0ALICE',
      tab: 'home',
      event_ts: '1700000000.1',
    });
    const res = await rig.sender.event(body);
    expect(res.status).toBe(200);
    const call = await waitFor(() => rig.fake.callsOf('views.publish')[0], 'views.publish');
    expect(call.args.user_id).toBe(alice.userId);
    const view = call.args.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = blockText(view.blocks);
    expect(text).toContain('`test` — *1* due now');
    expect(text).toContain('Streak: *1 day*');
    expect(text).toContain('Leaderboard');

    // The same event re-sent by Slack publishes nothing new; the messages tab publishes nothing.
    const dropped = droppedResends(rig.log);
    await rig.sender.event(body, { retryNum: 1 });
    await waitFor(() => droppedResends(rig.log) > dropped, 'the re-sent event dropped');
    await rig.sender.event(
      eventCallback(TEAM, {
        type: 'app_home_opened',
        user: alice.userId,
        channel: 'D0ALICE',
        tab: 'messages',
      }),
    );
    // Then someone opens their Home tab: once that publish arrives, the messages-tab event sent
    // before it has been taken too, and it published nothing for alice.
    await rig.sender.event(
      eventCallback(TEAM, { type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'home' }),
    );
    await waitFor(() => rig.fake.callsOf('views.publish').length >= 2, "bob's Home tab");
    const published = rig.fake.callsOf('views.publish');
    expect(published).toHaveLength(2);
    expect(published.map((c) => c.args.user_id)).toEqual([alice.userId, 'U0BOB']);
  });
});

it('starts at T0 (fixture sanity)', () => {
  expect(new Date(T0).toISOString()).toBe(`${DAY0}T08:00:00.000Z`);
});
