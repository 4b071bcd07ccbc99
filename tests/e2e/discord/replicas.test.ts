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
import { everyDaySchedule } from '../../helpers/round-fixture.js';

const GUILD = '100000000000000007';
const CHANNEL = '200000000000000007';
const team: TeamRef = { platform: 'discord', teamId: GUILD };

/** The n-th event of a kind, awaitable before it happens (a promise per index, made on first use). */
class Events {
  private readonly resolvers: Array<() => void> = [];
  private readonly promises: Array<Promise<void>> = [];
  at(n: number): Promise<void> {
    if (!this.promises[n]) this.promises[n] = new Promise<void>((r) => (this.resolvers[n] = r));
    return this.promises[n] as Promise<void>;
  }
  fire(n: number): void {
    void this.at(n);
    this.resolvers[n]?.();
  }
}

/**
 * The team store as one replica sees it, with its n-th daily answer held until events of the other
 * replica (`before` the write, `after` it), its outcomes recorded and its own n-th write announced
 * in `done`: the two replicas' race runs in the chosen order on any machine, with no timer deciding it.
 */
function paced(
  store: TeamStore,
  gates: { before?: (n: number) => Promise<void>; after?: (n: number) => Promise<void> },
  seen: AnswerOutcome[],
  done: Events,
): TeamStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'answer') {
        return async (...args: Parameters<TeamStore['answer']>) => {
          const n = calls++;
          await gates.before?.(n);
          const out = await target.answer(...args);
          seen.push(out);
          done.fire(n);
          await gates.after?.(n);
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
  const wroteA = new Events();
  const wroteB = new Events();
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
    // Replica A writes the answer at once but replies only once Discord took B's reply; replica B
    // calls only after A's write (finding A's answer) and replies at once.
    const acceptedCallbacks = () =>
      rig.fake.find('POST', /^\/interactions\/\d+\/[^/]+\/callback$/).filter((q) => q.status < 300).length;
    const afterB = async (n: number) => {
      await wroteB.at(n);
      await rig.fake.waitFor("B's reply", () => acceptedCallbacks() > n);
    };
    rig = await startRig({
      engine: replica(paced(store, { after: afterB }, seenA, wroteA)),
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'Quiz server', channels: [{ id: CHANNEL, name: 'daily-quiz' }] }] },
    });
    second = await startDiscord({
      token: 'test-token',
      apiUrl: rig.fake.apiUrl,
      log: memoryLogger(),
      engine: replica(paced(store, { before: (n) => wroteA.at(n) }, seenB, wroteB)),
      registerCommands: false,
    });
    chat = rig.bot.chat;
    alice = rig.fake.user('alice');
    daily = new DailyService({ store, decks, clock, chat: () => chat });

    const now = clock.now();
    await store.putSchedule(
      team,
      everyDaySchedule(CHANNEL, { deckId: 'k8s', updatedBy: 'test', updatedAt: now }),
    );
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
