import type { Redis } from 'ioredis';
import { type Grade as FsrsGrade, fsrs, generatorParameters } from 'ts-fsrs';
import { encodeAction, type Grade, ownerTag } from '../src/engine/actions.js';
import type { Actor } from '../src/engine/api.js';
import { toStoredState, unpackCard } from '../src/engine/cardstate.js';
import type { Deck, DeckSet } from '../src/engine/deck/types.js';
import { QuizEngine } from '../src/engine/engine.js';
import { systemClock, type UserRef } from '../src/engine/ports.js';
import { ReviewService } from '../src/engine/review.js';
import { seededRandom } from '../src/engine/shuffle.js';
import type { CardKeys } from '../src/store/redis/card-keys.js';
import type { Keys } from '../src/store/redis/keys.js';
import { RedisReviewStore } from '../src/store/redis/review-store.js';
import { noWait } from '../src/store/redis/wait.js';
import type { PooledState } from './fixtures.js';

/** The replies of a real engine grade's two scripts, as ioredis handed them over. */
export interface GradeReplies {
  /** `gradeRead`: stored state, its due score, the timezone. */
  read: unknown[];
  /** `grade` with the next-card snapshot: the outcome, then the lean queue. */
  grade: unknown[];
}

/**
 * Records the replies of the `gradeRead` and `grade` scripts while `run` makes one engine grade on
 * `redis` (a client made by connectRedis), by wrapping the two script commands for that call only.
 */
export async function recordGradeReplies(redis: Redis, run: () => Promise<unknown>): Promise<GradeReplies> {
  const scripts = redis as unknown as Record<'gradeRead' | 'grade', (...args: unknown[]) => Promise<unknown>>;
  const got: Partial<Record<'gradeRead' | 'grade', unknown>> = {};
  const originals = { gradeRead: scripts.gradeRead, grade: scripts.grade };
  for (const name of ['gradeRead', 'grade'] as const)
    scripts[name] = async (...args: unknown[]) => {
      got[name] = await originals[name].apply(redis, args);
      return got[name];
    };
  try {
    await run();
  } finally {
    Object.assign(scripts, originals);
  }
  if (!Array.isArray(got.gradeRead) || !Array.isArray(got.grade))
    throw new Error(
      'the engine grade did not run the gradeRead and grade scripts as bench/grade-alone.ts expects',
    );
  return { read: got.gradeRead, grade: got.grade };
}

/** Measures the CPU per grade of the engine's own code, and of ts-fsrs's `next()` inside it. */
export interface EngineAlone {
  /** µs of process CPU per engine grade with Redis's replies canned, over `n` grades. */
  engine(n: number): Promise<number>;
  /** µs of process CPU per ts-fsrs `next()` on the same states and ratings, over `n` calls. */
  fsrs(n: number): number;
}

/**
 * The client CPU an engine grade costs beyond its Redis client: the same call as the bench's engine
 * variant (QuizEngine.action with a rating button's id, through RedisReviewStore), but the store's
 * client answers each script at once with a real grade's replies (recorded by
 * {@link recordGradeReplies}), the read's state taken in turn from `pool` (`at`: the canned read
 * runs inside engine.action, so the loop tells it which), ratings in the timed loop's mix. So this counts action
 * decoding, the owner check, key and argument building, unpacking, ts-fsrs, packing, the reply's
 * parsing and the next card's view, and no ioredis or socket work. One grade at a time; process CPU
 * (process.cpuUsage). Each call is one measurement (the bench takes one per run, beside the timed
 * variants, so a noisy moment moves one sample, not the figure); `warmUp` grades run first.
 */
export async function engineAlone(opts: {
  decks: DeckSet;
  deck: Deck;
  keys: Keys;
  cardKeys: CardKeys;
  cardIds: string[];
  pool: PooledState[];
  replies: GradeReplies;
  warmUp: number;
}): Promise<EngineAlone> {
  const { deck, pool, replies } = opts;
  const states = pool.map((p) => ({
    stored: toStoredState(p.packed, p.due),
    score: String(p.due),
    reps: p.reps,
  }));
  let at = 0;
  const canned = {
    gradeRead: () => {
      const s = states[at % states.length] as (typeof states)[number];
      return Promise.resolve([s.stored, s.score, ...replies.read.slice(2)]);
    },
    grade: () => Promise.resolve(replies.grade),
  };
  const store = new RedisReviewStore(canned as unknown as Redis, opts.keys, noWait, opts.cardKeys);
  const review = new ReviewService({ store, decks: opts.decks, clock: systemClock });
  const engine = new QuizEngine({ review, decks: opts.decks });
  const user: UserRef = { platform: 'discord', userId: '100000000000000001' };
  const actor: Actor = { user, team: null, isAdmin: false };
  const owner = ownerTag(user);
  // The timed loop's mix of ratings (bench/grade.ts): 10 % Again, 15 % Hard, 60 % Good, 15 % Easy.
  const rnd = seededRandom(11);
  const nextGrade = (): Grade => {
    const r = rnd();
    return r < 0.1 ? 1 : r < 0.25 ? 2 : r < 0.85 ? 3 : 4;
  };
  const run = async (n: number): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      at = i;
      const s = states[i % states.length] as (typeof states)[number];
      const id = encodeAction({
        kind: 'grade',
        deckId: deck.id,
        cardId: opts.cardIds[i % opts.cardIds.length] as string,
        grade: nextGrade(),
        rev: s.reps,
        owner,
      });
      const res = await engine.action(actor, id);
      if (res.view.code || res.view.text.includes('already graded'))
        throw new Error(`engine alone: the canned grade did not apply: ${res.view.text}`);
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  await run(opts.warmUp);

  const f = fsrs(generatorParameters({ request_retention: deck.retention, enable_fuzz: false }));
  const cards = pool.map((p) => unpackCard(p.packed));
  const next = (n: number): number => {
    const now = new Date();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++)
      f.next(cards[i % cards.length] as (typeof cards)[number], now, nextGrade() as FsrsGrade);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  next(opts.warmUp);
  return { engine: run, fsrs: next };
}
