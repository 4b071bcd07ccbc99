import type { Redis } from 'ioredis';
import type { ChartLinks } from '../../../src/adapters/slack/picture.js';
import { type SlackHandle, startSlack } from '../../../src/adapters/slack/start.js';
import type { ChartRenderer } from '../../../src/charts/render.js';
import type { Logger } from '../../../src/engine/api.js';
import { DailyService, type DailySettings } from '../../../src/engine/daily.js';
import { type Deck, DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { forgetUser } from '../../../src/engine/forget.js';
import type { ReviewStore, TeamStore, UserDataPort } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { seededRandom } from '../../../src/engine/shuffle.js';
import { MemoryUserData } from '../../../src/store/memory/forget.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore, type ReviewDoc } from '../../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../../src/store/memory/team-store.js';
import { RedisUserData } from '../../../src/store/redis/forget.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/fake-slack.js';
import { SlackSender } from '../../fakes/slack/signer.js';
import { ManualClock, testDeck } from '../../helpers/engine.js';

export const SECRET = 'test-signing-secret';
export const TEAM = 'T0TEAM';
/**
 * Monday 08:00 UTC, in the future on purpose: the team store sets absolute Redis expiries
 * (PEXPIREAT) from the injected clock, so a past date would expire rounds at once in a real Redis.
 */
export const T0 = Date.UTC(2035, 2, 5, 8, 0, 0);
/** The local date of T0. */
export const DAY0 = '2035-03-05';

/** One log line the adapter or engine wrote. */
export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  obj: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line for assertions. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** Everything one end-to-end test drives. */
export interface SlackRig {
  fake: FakeSlack;
  slack: SlackHandle;
  sender: SlackSender;
  clock: ManualClock;
  engine: QuizEngine;
  daily: DailyService;
  reviewStore: ReviewStore;
  teamStore: TeamStore;
  log: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

/** Options of {@link startRig}. */
export interface RigOptions {
  /** Redis client to use (fresh key prefix per rig); unset: the embedded stores. */
  redis?: Redis;
  /** Key prefix base for Redis. */
  prefix?: string;
  /** Socket Mode instead of HTTP. */
  socket?: boolean;
  /** Configured admin user ids. */
  adminUsers?: string[];
  /** Decks; default one `test` deck of 3 cards. */
  decks?: Deck[];
  /** Chart renderer; default none (text only). */
  charts?: ChartRenderer;
  /** Overrides of the daily service's settings (lease, post timeout, renewal). */
  daily?: Partial<DailySettings>;
  /** Charts as image blocks served from a chart store (PUBLIC_URL set); default uploads. */
  chartLinks?: ChartLinks;
  /** The engine's dashboard link issuer (`/quiz dashboard`); default none (dashboard off). */
  dashboardLink?: ConstructorParameters<typeof QuizEngine>[0]['dashboardLink'];
}

let rigs = 0;

/** Starts the fake Slack, the stores, the engine and the real Bolt app pointed at the fake. */
export async function startRig(o: RigOptions = {}): Promise<SlackRig> {
  const clock = new ManualClock(T0);
  // Message timestamps follow the test clock, as conversations.history's `oldest` does.
  const fake = await startFakeSlack({ teamId: TEAM, now: () => clock.now() });
  const decks = new DeckSet(o.decks ?? [testDeck(3)]);
  const log = recordingLogger();
  let reviewStore: ReviewStore;
  let teamStore: TeamStore;
  let userData: UserDataPort;
  if (o.redis) {
    const keys = new Keys(`${o.prefix ?? 'qb'}-slack${process.pid}-${++rigs}`);
    reviewStore = new RedisReviewStore(o.redis, keys);
    teamStore = new RedisTeamStore(o.redis, keys);
    userData = new RedisUserData(o.redis, keys);
  } else {
    const doc = new PersistedDoc<ReviewDoc>(null, () => ({}));
    reviewStore = new MemoryReviewStore(doc);
    teamStore = new MemoryTeamStore(doc as PersistedDoc<object>);
    userData = new MemoryUserData(doc as PersistedDoc<object>);
  }
  let slack: SlackHandle | undefined;
  const daily = new DailyService({
    store: teamStore,
    decks,
    clock,
    chat: (p) => (p === 'slack' ? slack?.chat : undefined),
    random: seededRandom(7),
    log,
    ...(o.daily ? { settings: o.daily } : {}),
  });
  const review = new ReviewService({ store: reviewStore, decks, clock });
  const engine = new QuizEngine({
    review,
    decks,
    daily,
    log,
    forget: (user) => forgetUser(userData, user),
    ...(o.dashboardLink ? { dashboardLink: o.dashboardLink } : {}),
  });
  slack = await startSlack({
    botToken: 'xoxb-test-token',
    engine,
    log,
    apiUrl: fake.apiUrl,
    retry: 'test',
    adminUsers: o.adminUsers ?? [],
    charts: o.charts,
    chartLinks: o.chartLinks,
    ...(o.socket ? { appToken: 'xapp-test-token' } : { signingSecret: SECRET, port: 0, host: '127.0.0.1' }),
  });
  const started = slack;
  const sender = new SlackSender(`http://127.0.0.1:${started.port ?? 0}/slack/events`, SECRET);
  return {
    fake,
    slack: started,
    sender,
    clock,
    engine,
    daily,
    reviewStore,
    teamStore,
    log,
    async close() {
      // The app first (it would reconnect to a closed fake otherwise), then the fake.
      await started.stop();
      await fake.close();
    },
  };
}

/**
 * How many re-sent deliveries the app has dropped so far (it logs each one): a test waits for
 * this count to grow instead of sleeping and then asserting that nothing happened.
 */
export function droppedResends(log: ReturnType<typeof recordingLogger>): number {
  return log.lines.filter((l) => l.msg.includes('already taken: acked, not handled')).length;
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Block Kit helpers for assertions. */
export interface AnyBlock {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ type: string; text?: { text: string } | string; action_id?: string; value?: string }>;
}

/** All visible text of a message's blocks, joined by newlines. */
export function blockText(blocks: unknown): string {
  const out: string[] = [];
  for (const b of (blocks ?? []) as AnyBlock[]) {
    if (b.text?.text) out.push(b.text.text);
    for (const f of b.fields ?? []) out.push(f.text);
    for (const e of b.elements ?? []) {
      if (typeof e.text === 'string') out.push(e.text);
      else if (e.text?.text) out.push(e.text.text);
    }
  }
  return out.join('\n');
}

/** The buttons of a message: label and value (the engine's action id). */
export function buttons(blocks: unknown): Array<{ label: string; value: string; actionId: string }> {
  const out: Array<{ label: string; value: string; actionId: string }> = [];
  for (const b of (blocks ?? []) as AnyBlock[]) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) {
      if (e.type !== 'button') continue;
      const label = typeof e.text === 'string' ? e.text : (e.text?.text ?? '');
      out.push({ label, value: e.value ?? '', actionId: e.action_id ?? '' });
    }
  }
  return out;
}
