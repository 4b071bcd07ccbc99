import { type Card, createEmptyCard, fsrs, type Grade, generatorParameters, Rating } from 'ts-fsrs';
import { teamReviewLine } from '../../src/engine/fsrs/log.js';
import { DEFAULT_W } from '../../src/engine/fsrs/params.js';

/** Seeded PRNG (mulberry32): the same seed gives the same review logs on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * "True" memory parameters of the simulated team, far from FSRS's defaults: these learners forget
 * much faster at first (initial stabilities a fifth of the defaults) and gain stability more slowly.
 */
export const TRUE_W: number[] = DEFAULT_W.map((x, i) => (i <= 3 ? x * 0.2 : i === 8 ? x * 0.7 : x));

/** Options of {@link simulateTeam}. */
export interface SimOptions {
  /** PRNG seed. */
  seed: number;
  /** Users. */
  users: number;
  /** Cards each user studies. */
  cards: number;
  /** Days simulated. */
  days: number;
  /** Deck id(s) the cards belong to (cards are spread over them). */
  decks?: string[];
  /** Start of the simulation (ms). */
  start?: number;
  /** The true parameters (default {@link TRUE_W}). */
  w?: number[];
}

/** One simulated review, with its team log line. */
export interface SimReview {
  /** When. */
  at: number;
  /** `engine/fsrs/log.ts` line. */
  line: string;
}

const DAY = 86_400_000;

/**
 * Simulates a team: each user starts each card on a random day and reviews it when the bot (FSRS
 * defaults) schedules it, a little late now and then; whether they recall it is drawn from the
 * recall probability of the TRUE parameters. Returns the reviews oldest first.
 */
export function simulateTeam(o: SimOptions): SimReview[] {
  const rand = rng(o.seed);
  const start = o.start ?? Date.UTC(2026, 0, 1);
  const decks = o.decks ?? ['sim'];
  const base = { enable_fuzz: false, enable_short_term: false, request_retention: 0.9 };
  const bot = fsrs(generatorParameters(base));
  const truth = fsrs(generatorParameters({ ...base, w: o.w ?? TRUE_W }));
  const out: SimReview[] = [];
  const end = start + o.days * DAY;
  for (let u = 0; u < o.users; u++) {
    const user = { platform: 'discord' as const, userId: `u${u}` };
    for (let c = 0; c < o.cards; c++) {
      const deckId = decks[c % decks.length] as string;
      let t = start + Math.floor(rand() * o.days * 0.6) * DAY + Math.floor(rand() * 12) * 3_600_000;
      let sched: Card = createEmptyCard(new Date(t));
      let mem: Card = createEmptyCard(new Date(t));
      while (t < end) {
        const reps = sched.reps;
        let rating: Grade;
        if (reps === 0)
          rating = ([Rating.Again, Rating.Hard, Rating.Good, Rating.Good, Rating.Easy] as const)[
            Math.floor(rand() * 5)
          ] as Grade;
        else {
          const r = truth.get_retrievability(mem, new Date(t), false);
          if (rand() >= r) rating = Rating.Again;
          else {
            const x = rand();
            rating = x < 0.1 ? Rating.Hard : x < 0.9 ? Rating.Good : Rating.Easy;
          }
        }
        out.push({ at: t, line: teamReviewLine(t, deckId, user, `c${c}`, reps, rating) });
        sched = bot.next(sched, new Date(t), rating).card;
        mem = truth.next(mem, new Date(t), rating).card;
        const late = rand() < 0.3 ? Math.floor(rand() * 3) * DAY : 0;
        t = Math.max(sched.due.getTime(), t + DAY) + late;
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
