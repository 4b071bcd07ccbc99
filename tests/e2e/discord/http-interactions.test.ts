// Discord HTTP interactions (DISCORD_MODE=http): the fake Discord POSTs signed interactions to the
// bot's endpoint (a key pair generated here) and takes the HTTP response as the callback; follow-ups
// go to the fake's webhook routes through the bot's REST client. No gateway connection at all.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartRenderer } from '../../../src/charts/render.js';
import type { Actor } from '../../../src/engine/api.js';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import type { ChatPort, TeamRef } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { localDate } from '../../../src/engine/time.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordHttpRig, must, startHttpRig } from '../../fakes/discord/harness.js';
import type { FakeUser } from '../../fakes/discord/payloads.js';
import { ManualClock } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const GUILD = '100000000000000031';
const CHANNEL = '200000000000000031';
const team: TeamRef = { platform: 'discord', teamId: GUILD };
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const BODY_LIMIT = 8 * 1024;

describe('discord: HTTP interactions endpoint (signed requests, no gateway)', () => {
  let server: TestRedis;
  let redis: Redis;
  let rig: DiscordHttpRig;
  let alice: FakeUser;
  let bob: FakeUser;
  let chat: ChatPort | undefined;
  let daily: DailyService;
  /** Engine calls made, by name: bad requests must make none. */
  const calls: string[] = [];
  /** While set, /stats waits for it: the slow-engine test. */
  let statsGate: Promise<void> | null = null;
  const charts: ChartRenderer = async (spec) => ({
    fileName: `${spec.name}.png`,
    png: Buffer.from('89504e470d0a1a0a', 'hex'),
    width: 800,
    height: 200,
    alt: spec.alt,
  });

  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
    const keys = new Keys(server.prefix);
    const clock = new ManualClock(T0);
    const decks = new DeckSet([threeCardDeck()]);
    const review = new ReviewService({
      store: new RedisReviewStore(redis, keys),
      decks,
      clock,
      defaultDeck: 'k8s',
    });
    daily = new DailyService({
      store: new RedisTeamStore(redis, keys),
      decks,
      clock,
      chat: (p) => (p === 'discord' ? chat : undefined),
    });
    const engine = new QuizEngine({ decks, review, daily });
    const counted = <A extends unknown[], R>(name: string, f: (...a: A) => R) => {
      return (...a: A): R => {
        calls.push(name);
        return f(...a);
      };
    };
    rig = await startHttpRig({
      engine: {
        review: counted('review', engine.review.bind(engine)),
        stats: counted('stats', async (actor: Actor, deck: string | null) => {
          await statsGate;
          return engine.stats(actor, deck);
        }),
        leaderboard: counted('leaderboard', engine.leaderboard.bind(engine)),
        admin: counted('admin', engine.admin.bind(engine)),
        action: counted('action', engine.action.bind(engine)),
        decks: counted('decks', engine.decks.bind(engine)),
        deckIds: counted('deckIds', engine.deckIds.bind(engine)),
      },
      charts,
      deferAfterMs: 200,
      guildId: GUILD,
      endpoint: { bodyLimit: BODY_LIMIT },
      fake: { guilds: [{ id: GUILD, name: 'HTTP server', channels: [{ id: CHANNEL, name: 'quiz' }] }] },
    });
    chat = rig.bot.chat;
    alice = rig.fake.user('alice');
    bob = rig.fake.user('bob');
  });

  afterAll(async () => {
    await rig?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  it('registers the commands over REST and never opens a gateway connection', () => {
    expect(rig.fake.find('PUT', new RegExp(`/guilds/${GUILD}/commands$`))).toHaveLength(1);
    expect(rig.fake.find('GET', /^\/gateway/)).toEqual([]);
    expect(rig.fake.identifies).toEqual([]);
    expect(rig.bot.ready()).toBe(true);
  });

  it('answers a slash command in the HTTP response, through the same renderer as the gateway', async () => {
    const r = await rig.fake.slash({ command: 'review', user: alice, options: { deck: 'k8s' } });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('What is a Pod?');
    expect(r.buttons.map((b) => b.label)).toEqual(['Show answer']);
    const callbacks = rig.fake.find('POST', new RegExp(`/interactions/${r.record.id}/`));
    expect(callbacks.map((c) => c.via)).toEqual(['response']);
  });

  it('answers a button with an update of the message it sits on', async () => {
    const start = await rig.fake.slash({ command: 'review', user: bob });
    const shown = await rig.fake.click({
      message: must(start.message),
      customId: must(start.buttons[0]).custom_id,
      user: bob,
    });
    expect(shown.callbackType).toBe(7);
    expect(shown.message?.id).toBe(start.message?.id);
    expect(shown.text).toContain('The smallest deployable unit');
    expect(shown.buttons.map((b) => b.label.split(' · ')[0])).toEqual(['Again', 'Hard', 'Good', 'Easy']);
    const graded = await rig.fake.click({
      message: must(shown.message),
      customId: must(shown.buttons[2]).custom_id,
      user: bob,
    });
    expect(graded.callbackType).toBe(7);
    expect(graded.text).toContain('What runs on every node?');
  });

  it('posts the daily question through REST and takes answers by HTTP, first answer counting', async () => {
    const carol = rig.fake.user('carol', { admin: true });
    const scheduled = await rig.fake.slash({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: carol,
      options: { deck: 'k8s', time: '09:00', timezone: 'UTC', channel: CHANNEL },
    });
    expect(scheduled.text).toContain('Daily quiz scheduled');
    const out = await daily.openRound(team, CHANNEL, localDate(T0, 'UTC'), { now: T0, postNow: true });
    if (out.status !== 'posted') throw new Error(`not posted: ${JSON.stringify(out)}`);
    expect(rig.fake.find('POST', new RegExp(`^/channels/${CHANNEL}/messages$`))).toHaveLength(1);
    const post = rig.fake.message(out.message.messageId);
    const ids = post.components.flatMap((row) =>
      ((row.components as { custom_id: string }[] | undefined) ?? []).map((b) => b.custom_id),
    );
    const users = [alice, bob, carol];
    const answers = await Promise.all(
      users.map((user, i) => rig.fake.click({ message: post, customId: must(ids[i % ids.length]), user })),
    );
    for (const a of answers) {
      expect(a.callbackType).toBe(4);
      expect(a.ephemeral).toBe(true);
      expect(a.text).toMatch(/Right|Not quite/);
    }
    const again = await rig.fake.click({ message: post, customId: must(ids[1]), user: alice });
    expect(again.text).toContain('You already answered');
    expect(await redis.hlen(new Keys(server.prefix).teamAnswers(team, out.roundId))).toBe(3);
  });

  it('defers a slow command in the HTTP response, then edits @original through the webhook with its picture', async () => {
    let release = () => {};
    statsGate = new Promise<void>((r) => {
      release = r;
    });
    const rec = rig.fake.interact(
      2,
      { id: '1', name: 'stats', type: 1, options: [], guild_id: GUILD },
      bob,
      GUILD,
      CHANNEL,
    );
    await rig.fake.waitFor('the deferred answer', () => rec.callbacks[0]?.type === 5);
    statsGate = null;
    release();
    const r = await rig.fake.settled(rec);
    expect(r.callbackType).toBe(5);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Reviewed today');
    expect(r.message?.attachments.map((a) => a.filename)).toEqual(['stats.png']);
    const edits = rig.fake.find('PATCH', new RegExp(`^/webhooks/${rig.bot.applicationId}/${rec.token}/`));
    expect(edits.map((e) => e.status)).toEqual([200]);
  });

  it('answers a command whose picture is ready at once: a defer, then the picture set by webhook', async () => {
    const r = await rig.fake.slash({ command: 'stats', user: bob });
    // Files cannot travel in a JSON HTTP response: deferred, then @original edited with the upload.
    expect(r.callbackType).toBe(5);
    expect(r.message?.attachments.map((a) => a.filename)).toEqual(['stats.png']);
    expect(r.text).toContain('Reviewed today');
  });

  describe('refuses bad requests with a 4xx before anything runs', () => {
    const ping = JSON.stringify({ id: '1', application_id: '2', type: 1, token: 't', version: 1 });
    let before: { calls: number; requests: number; keys: number };
    const snapshot = async () => ({
      calls: calls.length,
      requests: rig.fake.requests.length,
      keys: (await redis.keys(`${server.prefix}*`)).length,
    });
    const command = () =>
      JSON.stringify({
        ...must(rig.fake.interactions.values().next().value).payload,
        id: '300000000000000001',
      });

    beforeAll(async () => {
      before = await snapshot();
    });

    afterAll(async () => {
      // Nothing ran: no engine call, no request to Discord, no key written.
      expect(await snapshot()).toEqual(before);
    });

    it('answers a PING with a PONG', async () => {
      const r = await rig.signer.post(rig.url, ping);
      expect([r.status, JSON.parse(r.text), r.contentType]).toEqual([
        200,
        { type: 1 },
        expect.stringMatching(/^application\/json/),
      ]);
    });

    it.each([
      ['a bad signature', { signature: 'ab'.repeat(64) }],
      ['no signature', { signature: null }],
      ['a signature that is not hex', { signature: 'zz' }],
      ['a timestamp 10 minutes old', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
      ['a timestamp 10 minutes ahead', { timestamp: Math.floor(Date.now() / 1000) + 600 }],
    ])('refuses %s with 401', async (_, tamper) => {
      const r = await rig.signer.post(rig.url, command(), tamper);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text)).toEqual({ error: 'invalid request signature' });
    });

    it('refuses a body signed for another one with 401', async () => {
      const ts = String(Math.floor(Date.now() / 1000));
      const r = await rig.signer.post(rig.url, command(), { signature: rig.signer.sign(ts, ping) });
      expect(r.status).toBe(401);
    });

    it.each([
      ['a body that is not JSON', '{"type": 2, oops', /not JSON/],
      [
        'an unknown interaction type',
        JSON.stringify({ id: '1', application_id: '2', type: 99, token: 't' }),
        /type 99/,
      ],
      [
        'a modal submit (never asked for)',
        JSON.stringify({ id: '1', application_id: '2', type: 5, token: 't' }),
        /type 5/,
      ],
      ['something that is no interaction', JSON.stringify([1, 2, 3]), /not an interaction/],
    ])('refuses %s, properly signed, with 400', async (_, body, why) => {
      const r = await rig.signer.post(rig.url, body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).error).toMatch(why);
    });

    it('refuses an oversized body with 413 before reading it all', async () => {
      const big = JSON.stringify({ type: 1, pad: 'x'.repeat(BODY_LIMIT) });
      const r = await rig.signer.post(rig.url, big);
      expect(r.status).toBe(413);
    });
  });
});
