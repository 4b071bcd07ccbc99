import type { Logger as Pino } from 'pino';
import { type Config, clusterSeeds } from './config.js';
import { loadDecks } from './deck-files.js';
import { DailyService } from './engine/daily.js';
import { deckIdOf, formatProblem } from './engine/deck/parse.js';
import { DeckSet } from './engine/deck/types.js';
import { QuizEngine } from './engine/engine.js';
import { forgetUser } from './engine/forget.js';
import { InsightsService } from './engine/insights/service.js';
import { type ChatPort, type Clock, type Platform, systemClock } from './engine/ports.js';
import { ReviewService } from './engine/review.js';
import { TeamForgetting } from './engine/team-forget.js';
import type { Metrics } from './http/metrics.js';
import { openStores, type Stores } from './store/open.js';
import { type ChartStore, MemoryChartStore, RedisChartStore } from './web/chart-store.js';
import { issueToken, linkUrl } from './web/links.js';
import { MemoryWebStore, RedisWebStore, type WebStore } from './web/web-store.js';

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
  /** Daily quizzes and leaderboards. */
  daily: DailyService;
  /** Outbound chat ports, filled in as platform adapters start (the scheduler posts through them). */
  chats: Map<Platform, ChatPort>;
  /** The entry point adapters call. */
  engine: QuizEngine;
  /** Whole-team deletion: planned when the bot leaves a team, run by the erase timer, or at once. */
  forgetting: TeamForgetting;
  /** Dashboard sessions, link nonces and the link secret (in Redis when the store is Redis). */
  web: WebStore;
  /** Charts served to Slack image blocks (in Redis when the store is Redis, so any replica serves them). */
  charts: ChartStore;
}

/** Options of {@link buildCore}. */
export interface CoreOptions {
  /** Time source (tests). */
  clock?: Clock;
  /** Metrics to feed. */
  metrics?: Metrics;
}

/** config -> decks -> stores -> engine. Deck problems are logged, never fatal; good decks still load. */
export async function buildCore(config: Config, log: Pino, opts: CoreOptions = {}): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  const metrics = opts.metrics;
  // The store first: when it cannot be opened, fail before spending time parsing every deck.
  const stores = await openStores({
    redisUrl: config.REDIS_URL,
    cluster: clusterSeeds(config),
    waitReplicas: config.REDIS_WAIT_REPLICAS,
    dataDir: config.DATA_DIR,
    log,
  });
  const decks = await loadDeckSet(config.DECKS_DIR, log);
  await stores.prepareDecks(decks.list());
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
  const chats = new Map<Platform, ChatPort>();
  const daily = new DailyService({
    store: stores.team,
    decks,
    clock,
    chat: (p) => chats.get(p),
    log,
    settings: { leaseMs: config.DAILY_CLAIM_LEASE_MS },
  });
  const forgetting = new TeamForgetting({
    eraser: stores.eraser,
    clock,
    graceDays: config.TEAM_DATA_GRACE_DAYS,
    log: log.child({ part: 'team-data' }),
  });
  const web: WebStore = stores.redis ? new RedisWebStore(stores.redis) : new MemoryWebStore(config.DATA_DIR);
  const charts: ChartStore = stores.redis ? new RedisChartStore(stores.redis) : new MemoryChartStore();
  const publicUrl = config.PUBLIC_URL;
  const insights = new InsightsService({
    teams: stores.team,
    fsrs: stores.fsrs,
    decks,
    clock,
    tz: config.QUIZBOT_TIMEZONE,
  });
  const engine = new QuizEngine({
    review,
    decks,
    daily,
    forgetting,
    insights,
    log,
    forget: (user) => forgetUser(stores.userData, user),
    ...(publicUrl
      ? {
          dashboardLink: async (team, user) =>
            linkUrl(
              publicUrl,
              issueToken(await web.secret(), { team, userId: user.userId, operator: false }, clock.now()),
            ),
        }
      : {}),
    ...(metrics ? engineMetrics(metrics) : {}),
  });
  return { config, decks, stores, review, daily, chats, engine, web, charts, forgetting };
}

/** Every deck of the folder; a deck's problems are logged, and a deck with a fatal one is left out. */
async function loadDeckSet(dir: string, log: Pino): Promise<DeckSet> {
  const loaded = await loadDecks(dir);
  const decks = new DeckSet(loaded.decks);
  for (const p of loaded.problems) {
    // Content findings (near-duplicate choices, repeated fronts) leave their deck loaded.
    const kept = decks.get(deckIdOf(p.file)) !== undefined;
    log.warn(
      { file: p.file, card: p.card, line: p.line },
      `${kept ? 'deck problem' : 'deck skipped'}: ${formatProblem(p)}`,
    );
  }
  if (decks.list().length === 0) log.error({ dir: dir }, 'no valid deck loaded');
  return decks;
}

/** The engine's hooks that feed the Prometheus metrics (failures, latency, outcomes). */
function engineMetrics(metrics: Metrics) {
  return {
    onFailure: (code: string) => code === 'store_unavailable' && metrics.storeErrors.inc(),
    observe: (e: { platform: string; kind: string; ms: number; outcome: 'ok' | 'refused' | 'error' }) => {
      metrics.latency.observe({ platform: e.platform, kind: e.kind }, e.ms / 1000);
      metrics.interactions.inc({ platform: e.platform, kind: e.kind, outcome: e.outcome });
    },
  };
}
