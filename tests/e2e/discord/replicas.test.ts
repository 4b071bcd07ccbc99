import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordAdapter, startDiscord } from '../../../src/adapters/discord/start.js';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import type { AnswerOutcome, ChatPort, DailyRound, TeamRef, TeamStore } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { localDate } from '../../../src/engine/time.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, memoryLogger, must, startRig } from '../../fakes/discord/harness.js';
import type { FakeMessage, FakeUser } from '../../fakes/discord/payloads.js';
import { ManualClock } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const GUILD = '100000000000000007';
const CHANNEL = '200000000000000007';
const team: TeamRef = { platform: 'discord', teamId: GUILD };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The team store as one replica sees it, with its daily answers slowed down (`before` the write,
 * `after` it) and their outcomes recorded, to put the two replicas' races in a chosen order.
 */
function paced(store: TeamStore, before: number, after: number, seen: AnswerOutcome[]): TeamStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'answer') {
        return async (...args: Parameters<TeamStore['answer']>) => {
          await sleep(before);
          const out = await target.answer(...args);
          seen.push(out);
          await sleep(after);
          return out;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Discord sends every interaction to every bot replica on the shard; whichever answers first is
 * what the user sees. Two real discord.js clients on one fake Discord share one Redis: the replica
 * that wins the answer write is made to reply last, so the user sees the other replica's reply.
 */
describe('discord: two replicas get the same answer click', () => {
  let server: TestRedis;
  let redis: Redis;
  let rig: DiscordRig;
  let second: DiscordAdapter | undefined;
  let daily: DailyService;
  let store: RedisTeamStore;
  let alice: FakeUser;
  let post: FakeMessage;
  let round: DailyRound;
  const seenA: AnswerOutcome[] = [];
  const seenB: AnswerOutcome[] = [];
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
    const keys = new Keys(server.prefix);
    store = new RedisTeamStore(redis, keys);
    const decks = new DeckSet([threeCardDeck()]);
    const review = new ReviewService({ store: new RedisReviewStore(redis, keys), decks, clock });
    let chat: ChatPort | undefined;
    const replica = (teamStore: TeamStore) =>
      new QuizEngine({
        decks,
        review,
        daily: new DailyService({
          store: teamStore,
          decks,
          clock,
          chat: (p) => (p === 'discord' ? chat : undefined),
        }),
      });
    // Replica A writes the answer at once but replies 400 ms later; replica B reads 100 ms later
    // (finding A's answer) and replies at once.
    rig = await startRig({
      engine: replica(paced(store, 0, 400, seenA)),
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'Quiz server', channels: [{ id: CHANNEL, name: 'daily-quiz' }] }] },
    });
    second = await startDiscord({
      token: 'test-token',
      apiUrl: rig.fake.apiUrl,
      log: memoryLogger(),
      engine: replica(paced(store, 100, 0, seenB)),
      registerCommands: false,
    });
    chat = rig.bot.chat;
    alice = rig.fake.user('alice');
    daily = new DailyService({ store, decks, clock, chat: () => chat });

    const now = clock.now();
    await store.putSchedule(team, {
      channelId: CHANNEL,
      deckId: 'k8s',
      time: '09:00',
      timezone: 'UTC',
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      close: { kind: 'after', minutes: 480 },
      paused: false,
      updatedBy: 'test',
      updatedAt: now,
    });
    const opened = await daily.openRound(team, CHANNEL, localDate(now, 'UTC'), { now, postNow: true });
    if (opened.status !== 'posted') throw new Error(`not posted: ${opened.status}`);
    round = must(await store.getRound(team, opened.roundId), 'the round');
    post = rig.fake.message(must(round.message, 'the post').messageId);
  });

  afterAll(async () => {
    await second?.stop();
    await rig?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  const buttonIds = () =>
    post.components.flatMap((row) => (row.components as { custom_id: string }[]).map((b) => b.custom_id));

  it('shows the first click its answer, whichever replica replies first; one answer is recorded', async () => {
    const right = must(buttonIds()[round.correct]);
    clock.advance(5_000);
    const r = await rig.fake.click({ message: post, customId: right, user: alice });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('✅ Right');
    expect(r.text).not.toContain('already');
    // Both replicas handled it: A recorded it, B found it as the same interaction (a repeat).
    await rig.fake.waitFor('both replicas', () => seenA.length === 1 && seenB.length === 1);
    expect(seenA[0]).toMatchObject({ status: 'accepted', repeat: false });
    expect(seenB[0]).toMatchObject({ status: 'accepted', repeat: true });
    if (seenA[0]?.status === 'accepted' && seenB[0]?.status === 'accepted')
      expect(seenB[0].at).toBe(seenA[0].at);
    // The reply the user sees came from B; A's later callback was refused by Discord.
    await rig.fake.waitFor('the second callback', () =>
      rig.fake.find('POST', new RegExp(`^/interactions/${r.record.id}/`)).some((q) => q.status === 400),
    );
    expect(r.record.callbacks).toHaveLength(1);
  });

  it('a new click of the same user is a second answer, refused by both replicas', async () => {
    const wrong = must(buttonIds()[(round.correct + 1) % 4]);
    clock.advance(5_000);
    const r = await rig.fake.click({ message: post, customId: wrong, user: alice });
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('You already answered');
    await rig.fake.waitFor('both replicas', () => seenA.length === 2 && seenB.length === 2);
    expect(seenA[1]).toMatchObject({ status: 'already' });
    expect(seenB[1]).toMatchObject({ status: 'already' });

    const closed = await store.closeRound(team, round.roundId, {
      now: clock.now(),
      boards: ['w:2000-W01', 'm:2000-01', 'all'],
      points: 10,
      bonus: [5],
      fastest: 3,
      keepMs: 60_000,
    });
    expect(closed).toMatchObject({ status: 'closed', result: { answered: 1, right: 1 } });
  });
});
