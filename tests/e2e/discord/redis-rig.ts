import type { Redis } from 'ioredis';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine, type QuizEngineOptions } from '../../../src/engine/engine.js';
import type { ChatPort } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, startRig } from '../../fakes/discord/harness.js';
import type { FakeGuild } from '../../fakes/discord/payloads.js';
import type { ManualClock } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

/** The engine's parts on Redis that a test may reach into. */
export interface RedisEngineParts {
  redis: Redis;
  keys: Keys;
  decks: DeckSet;
  review: ReviewService;
  daily: DailyService;
  teamStore: RedisTeamStore;
}

/** {@link startRedisDiscordRig}'s result. */
export interface RedisDiscordRig extends RedisEngineParts {
  server: TestRedis;
  rig: DiscordRig;
  /** Stops the bot, the client and the redis-server. */
  close(): Promise<void>;
}

/**
 * The real discord.js bot against the fake Discord, on an engine over Redis stores of a private
 * redis-server: the three-card deck `k8s`, the daily service posting through the bot, a clock the
 * test moves. `engine` adds what the test's feature needs (forget-me, team forgetting, ...).
 */
export async function startRedisDiscordRig(o: {
  clock: ManualClock;
  guildId: string;
  guilds: FakeGuild[];
  engine?: (parts: RedisEngineParts) => Partial<QuizEngineOptions>;
}): Promise<RedisDiscordRig> {
  const server = await startTestRedis();
  const redis = connectRedis(server.url);
  await waitReady(redis);
  const keys = new Keys(server.prefix);
  const decks = new DeckSet([threeCardDeck()]);
  const review = new ReviewService({
    store: new RedisReviewStore(redis, keys),
    decks,
    clock: o.clock,
    defaultDeck: 'k8s',
  });
  const teamStore = new RedisTeamStore(redis, keys);
  let chat: ChatPort | undefined;
  const daily = new DailyService({ store: teamStore, decks, clock: o.clock, chat: () => chat });
  const parts = { redis, keys, decks, review, daily, teamStore };
  const rig = await startRig({
    engine: new QuizEngine({ decks, review, daily, ...o.engine?.(parts) }),
    guildId: o.guildId,
    fake: { guilds: o.guilds },
  });
  chat = rig.bot.chat;
  return {
    ...parts,
    server,
    rig,
    async close() {
      await rig.close();
      redis.disconnect();
      await server.dispose();
    },
  };
}
