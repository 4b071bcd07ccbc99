import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackEngine } from '../../../src/adapters/slack/inbound.js';
import { startSlack } from '../../../src/adapters/slack/start.js';
import type { UserRef } from '../../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { startFakeSlack } from '../../fakes/slack/fake-slack.js';
import { blockActionsPayload, SlackSender } from '../../fakes/slack/signer.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { blockText, buttons, DAY0, recordingLogger, SECRET, startRig, TEAM, waitFor } from './rig.js';

let t: TestRedis;
let redis: Redis;
const alice: UserRef = { platform: 'slack', userId: 'U0ALICE' };

beforeAll(async () => {
  t = await startTestRedis();
  redis = connectRedis(t.url);
  await waitReady(redis);
});

afterAll(async () => {
  redis.disconnect();
  await t.dispose();
});

describe('request verification', () => {
  it('refuses a bad signature and a 6-minute-old timestamp with 401, and nothing runs', async () => {
    const rig = await startRig({ redis, prefix: t.prefix });
    try {
      const r = rig.fake.responseUrl();
      const cmd = { text: 'review test', user_id: alice.userId, team_id: TEAM, response_url: r.url };
      const bad = await rig.sender.command(cmd, { secret: 'not-the-secret' });
      expect(bad.status).toBe(401);
      const stale = await rig.sender.command(cmd, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
      expect(stale.status).toBe(401);

      // A grade button pressed with a forged signature changes no schedule either.
      const first = rig.fake.responseUrl();
      await rig.sender.command({ ...cmd, response_url: first.url });
      const card = await waitFor(() => rig.fake.responsesTo(first.id)[0], 'first card');
      const reveal = buttons(card.body.blocks)[0]?.value ?? '';
      const shown = rig.fake.responseUrl();
      await rig.sender.interactive(
        blockActionsPayload({
          user_id: alice.userId,
          team_id: TEAM,
          action_id: reveal,
          response_url: shown.url,
          ephemeral: true,
        }),
      );
      const back = await waitFor(() => rig.fake.responsesTo(shown.id)[0], 'revealed');
      const good = buttons(back.body.blocks).find((b) => b.label.startsWith('Good'))?.value ?? '';
      const g = rig.fake.responseUrl();
      const press = blockActionsPayload({
        user_id: alice.userId,
        team_id: TEAM,
        action_id: good,
        response_url: g.url,
        ephemeral: true,
      });
      expect((await rig.sender.interactive(press, { secret: 'forged' })).status).toBe(401);
      expect(
        (await rig.sender.interactive(press, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status,
      ).toBe(401);
      // An unsigned request is refused too.
      const unsigned = await fetch(`http://127.0.0.1:${rig.slack.port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ payload: JSON.stringify(press) }).toString(),
      });
      expect(unsigned.status).toBe(401);

      // Refused requests are answered 401 before any handler runs, so nothing can follow them.
      expect(rig.fake.responsesTo(r.id)).toHaveLength(0);
      expect(rig.fake.responsesTo(g.id)).toHaveLength(0);
      expect(await rig.reviewStore.getState(alice, 'test', 'c1')).toBeNull();
      const [today] = await rig.reviewStore.dayCounters(alice, 'test', [DAY0]);
      expect(today?.reviews).toBe(0);

      // The same grade, signed properly, applies.
      expect((await rig.sender.interactive(press)).status).toBe(200);
      await waitFor(() => rig.fake.responsesTo(g.id)[0], 'graded');
      expect(await rig.reviewStore.getState(alice, 'test', 'c1')).not.toBeNull();
    } finally {
      await rig.close();
    }
  });
});

describe('failures', () => {
  it('refuses to start when Slack rejects the bot token, naming the variable', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    try {
      fake.failNext('auth.test', 'invalid_auth');
      await expect(
        startSlack({
          botToken: 'xoxb-bad',
          signingSecret: SECRET,
          apiUrl: fake.apiUrl,
          port: 0,
          host: '127.0.0.1',
          engine: {} as SlackEngine,
          log: recordingLogger(),
          retry: 'test',
        }),
      ).rejects.toMatchObject({
        // A StartupError: `quizbot start` exits 4 (src/startup-error.ts).
        code: 'platform_auth',
        message: expect.stringMatching(/invalid_auth.*SLACK_BOT_TOKEN/),
      });
    } finally {
      await fake.close();
    }
  });

  it('a Redis outage gives the user a private error and is logged with its cause', async () => {
    const own = await startTestRedis();
    const r2 = connectRedis(own.url);
    await waitReady(r2);
    const rig = await startRig({ redis: r2, prefix: own.prefix });
    try {
      await own.stop();
      const r = rig.fake.responseUrl();
      const res = await rig.sender.command({
        text: 'review test',
        user_id: alice.userId,
        team_id: TEAM,
        response_url: r.url,
      });
      expect(res.status).toBe(200);
      const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'error answer');
      expect(post.body.response_type).toBe('ephemeral');
      expect(blockText(post.body.blocks)).toContain('cannot reach my database');
      const logged = rig.log.lines.find((l) => l.level === 'error' && l.msg === 'review failed');
      expect(logged?.obj.err).toBeInstanceOf(Error);
      expect((logged?.obj.err as Error | undefined)?.cause).toBeDefined();
    } finally {
      await rig.close();
      r2.disconnect();
      await own.dispose();
    }
  });

  it('acks at once even when the engine is slow, then answers through the response_url', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    const log = recordingLogger();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engine = {
      deckIds: () => ['test'],
      decks: () => ({ text: 'decks', private: true }),
      review: async () => {
        await gate;
        return { text: 'slow card', private: true };
      },
      stats: async () => ({ text: 'stats', private: true }),
      leaderboard: async () => ({ text: 'board', private: true }),
      admin: async () => ({ text: 'admin', private: true }),
      forgetMe: async () => ({ text: 'forget', private: true }),
      action: async () => {
        throw new Error('engine bug');
      },
    } satisfies SlackEngine;
    const slack = await startSlack({
      botToken: 'xoxb-x',
      signingSecret: SECRET,
      apiUrl: fake.apiUrl,
      port: 0,
      host: '127.0.0.1',
      engine,
      log,
      retry: 'test',
    });
    try {
      const sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET);
      const r = fake.responseUrl();
      const res = await sender.command({
        text: 'review',
        user_id: alice.userId,
        team_id: TEAM,
        response_url: r.url,
      });
      // Acknowledged while the engine is still held by the gate: the ack does not wait for it.
      expect(res.status).toBe(200);
      expect(fake.responsesTo(r.id)).toHaveLength(0);
      release();
      const post = await waitFor(() => fake.responsesTo(r.id)[0], 'slow answer');
      expect(blockText(post.body.blocks)).toContain('slow card');

      // An engine that throws (a bug) still gets the user a private error, and it is logged.
      const b = fake.responseUrl();
      await sender.interactive(
        blockActionsPayload({
          user_id: alice.userId,
          team_id: TEAM,
          action_id: 'q1:n:test:00000000',
          response_url: b.url,
        }),
      );
      const err = await waitFor(() => fake.responsesTo(b.id)[0], 'error answer');
      expect(err.body.response_type).toBe('ephemeral');
      expect(blockText(err.body.blocks)).toContain('Something went wrong');
      expect(
        log.lines.some(
          (l) => l.level === 'error' && (l.obj.err as Error | undefined)?.message === 'engine bug',
        ),
      ).toBe(true);

      // A dead response_url: the answer goes out through chat.postEphemeral instead.
      fake.failResponses(404);
      const d = fake.responseUrl();
      await sender.command({
        text: 'decks',
        user_id: alice.userId,
        team_id: TEAM,
        response_url: d.url,
        channel_id: 'C0HERE',
      });
      const eph = await waitFor(() => fake.callsOf('chat.postEphemeral')[0], 'postEphemeral fallback');
      expect(eph.args).toMatchObject({ channel: 'C0HERE', user: alice.userId });
    } finally {
      await slack.stop();
      await fake.close();
    }
    expect(slack.ready()).toBe(false);
  });

  it('the ChatPort waits out a 429 (Retry-After) and posts once; chat.update too', async () => {
    const rig = await startRig();
    try {
      rig.fake.rateLimit('chat.postMessage', 1);
      const t0 = Date.now();
      const call = { signal: AbortSignal.timeout(10_000) };
      const ref = await rig.slack.chat.post(
        'C0QUIZ',
        { title: 'Daily', text: 'Question?', private: false },
        { ...call, key: 'C0QUIZ-20350305', since: rig.clock.now(), retry: false },
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(rig.fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
      expect(rig.fake.messages.size).toBe(1);
      rig.fake.rateLimit('chat.update', 1);
      await rig.slack.chat.update(ref, { title: 'Daily · closed', text: 'Answer', private: false }, call);
      expect(rig.fake.messages.get(`C0QUIZ:${ref.messageId}`)?.edits).toBe(1);
      expect(rig.fake.callsOf('chat.postMessage').every((c) => c.token === 'xoxb-test-token')).toBe(true);
      // A platform error (not a rate limit) rejects, so the daily service can count a failed attempt.
      rig.fake.failNext('chat.postMessage', 'channel_not_found');
      const gone = { ...call, key: 'C0GONE-20350305', since: rig.clock.now(), retry: false };
      await expect(rig.slack.chat.post('C0GONE', { text: 'x', private: false }, gone)).rejects.toThrow(
        /channel_not_found/,
      );
    } finally {
      await rig.close();
    }
  });
});
