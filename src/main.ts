import type { Logger as Pino } from 'pino';
import type { Config } from './config.js';
import { formatProblem, loadDecks } from './engine/deck/loader.js';
import { DeckSet } from './engine/deck/types.js';
import { QuizEngine } from './engine/engine.js';
import { type Clock, systemClock } from './engine/ports.js';
import { ReviewService } from './engine/review.js';
import type { Metrics } from './http/metrics.js';
import { openStores, type Stores } from './store/open.js';

/** What the composition root builds before any adapter starts. */
export interface Core {
  /** Validated configuration. */
  config: Config;
  /** Loaded decks (broken ones reported and skipped). */
  decks: DeckSet;
  /** Stores behind their ports. */
  stores: Stores;
  /** Self-review. */
  review: ReviewService;
  /** The entry point adapters call. */
  engine: QuizEngine;
}

/** config -> decks -> stores -> engine. Deck problems are logged, never fatal; good decks still load. */
export async function buildCore(
  config: Config,
  log: Pino,
  clock: Clock = systemClock,
  metrics?: Metrics,
): Promise<Core> {
  const loaded = await loadDecks(config.DECKS_DIR);
  for (const p of loaded.problems)
    log.warn({ file: p.file, card: p.card, line: p.line }, `deck skipped: ${formatProblem(p)}`);
  const decks = new DeckSet(loaded.decks);
  if (decks.list().length === 0) log.error({ dir: config.DECKS_DIR }, 'no valid deck loaded');
  const stores = await openStores({ redisUrl: config.REDIS_URL, dataDir: config.DATA_DIR });
  log.info(
    { store: stores.kind, where: stores.where, decks: decks.list().map((d) => d.id) },
    'quizbot core ready',
  );
  const defaultDeck = decks.get(config.DEFAULT_DECK) ? config.DEFAULT_DECK : undefined;
  const review = new ReviewService({
    store: stores.review,
    decks,
    clock,
    timezone: config.QUIZBOT_TIMEZONE,
    ...(defaultDeck ? { defaultDeck } : {}),
    ...(metrics ? { onGrade: (g: number) => metrics.grades.inc({ rating: String(g) }) } : {}),
  });
  const engine = new QuizEngine({
    review,
    decks,
    log,
    ...(metrics
      ? { onFailure: (code: string) => code === 'store_unavailable' && metrics.storeErrors.inc() }
      : {}),
  });
  return { config, decks, stores, review, engine };
}
