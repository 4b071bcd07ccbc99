import type { Redis } from 'ioredis';
import type { Logger } from '../src/engine/api.js';
import { DailyService } from '../src/engine/daily.js';
import type { DeckSet } from '../src/engine/deck/types.js';
import { QuizEngine } from '../src/engine/engine.js';
import { type ChatPort, type Platform, systemClock } from '../src/engine/ports.js';
import { ReviewService } from '../src/engine/review.js';
import { Keys } from '../src/store/redis/keys.js';
import { RedisReviewStore } from '../src/store/redis/review-store.js';
import { RedisTeamStore } from '../src/store/redis/team-store.js';

/** The bot's core as core.ts composes it (Redis stores, real clock), with chat ports filled in later. */
export interface BotCore {
  keys: Keys;
  teamStore: RedisTeamStore;
  daily: DailyService;
  engine: QuizEngine;
  /** Chat ports by platform; an adapter's is set once it started. */
  chats: Map<Platform, ChatPort>;
}

/** Builds the core on one connectRedis client. */
export function botCore(redis: Redis, decks: DeckSet, log: Logger): BotCore {
  const keys = new Keys();
  const chats = new Map<Platform, ChatPort>();
  const teamStore = new RedisTeamStore(redis, keys);
  const daily = new DailyService({
    store: teamStore,
    decks,
    clock: systemClock,
    chat: (p) => chats.get(p),
    log,
  });
  const review = new ReviewService({ store: new RedisReviewStore(redis, keys), decks, clock: systemClock });
  const engine = new QuizEngine({ review, decks, daily, log });
  return { keys, teamStore, daily, engine, chats };
}
