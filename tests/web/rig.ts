import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDecks } from '../../src/deck-files.js';
import type { Actor } from '../../src/engine/api.js';
import { DailyService } from '../../src/engine/daily.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import type { TeamRef } from '../../src/engine/ports.js';
import { ReviewService } from '../../src/engine/review.js';
import { openStores, type Stores } from '../../src/store/open.js';
import { DeckFiles } from '../../src/web/deck-files.js';
import { issueToken, linkUrl } from '../../src/web/links.js';
import { startWeb, type WebServer } from '../../src/web/server.js';
import { RedisWebStore } from '../../src/web/web-store.js';
import { RecordingChat } from '../helpers/daily.js';
import { ManualClock } from '../helpers/engine.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis.js';

/** Chromium from Debian (`apt-get install chromium`); never downloaded at run time. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const TEAM_A: TeamRef = { platform: 'discord', teamId: '100000000000000001' };
export const TEAM_B: TeamRef = { platform: 'discord', teamId: '100000000000000002' };
/** Admin of team A (the admin check says yes); `member` is not an admin. */
export const ADMIN = '200000000000000001';
export const MEMBER = '200000000000000002';

/** Monday of ISO week 2026-W49, 08:00 UTC: "last week" is 2026-W48. */
export const NOW = Date.UTC(2026, 10, 30, 8, 0);
const LAST_WEEK = Date.UTC(2026, 10, 23, 9, 0);

export const DEMO_DECK = `# Demo deck of the dashboard tests.
title: Demo
description: Three cards to click through.
cards:
  - id: chroot
    front: chroot
    back: Makes a directory the root directory of a process.
    quiz:
      - question: What does chroot change for a process?
        choices: [Its root directory, Its kernel, Its CPU limit, Its hostname]
        answer: Its root directory
  - id: cgroups
    front: cgroups
    back: Limit and account the resources of a group of processes.
    quiz:
      - question: What do cgroups limit?
        choices: [Resources of processes, File names, Network routes, User ids]
        answer: Resources of processes
  - id: namespaces
    front: namespaces
    back: Give a process its own view of a global resource.
    quiz:
      - question: What does a namespace give a process?
        choices: [Its own view of a resource, More memory, A faster CPU, A new kernel]
        answer: Its own view of a resource
`;

/** A running dashboard on a real redis-server, with the engine the slash commands use. */
export interface Rig {
  url: string;
  clock: ManualClock;
  engine: QuizEngine;
  daily: DailyService;
  decks: DeckSet;
  decksDir: string;
  stores: Stores;
  webStore: RedisWebStore;
  web: WebServer;
  /** A sign-in link for a user of a team, issued `ageMs` ago. */
  link(team: TeamRef, userId: string, ageMs?: number): Promise<string>;
  /** The engine actor of a user of team A (admin or not). */
  actor(userId: string, isAdmin: boolean, team?: TeamRef): Actor;
  close(): Promise<void>;
}

/** Starts redis, the engine with a demo deck and last week's points, and the dashboard. */
export async function startRig(
  opts: { sessionTtlMs?: number; signInPerMinute?: number; publicUrl?: string } = {},
): Promise<Rig> {
  const redis: TestRedis = await startTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-web-'));
  const decksDir = join(dataDir, 'decks');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(decksDir);
  writeFileSync(join(decksDir, 'demo.yaml'), DEMO_DECK);
  const stores = await openStores({ redisUrl: redis.url, prefix: redis.prefix, dataDir });
  const decks = new DeckSet((await loadDecks(decksDir)).decks);
  const clock = new ManualClock(LAST_WEEK);
  const chat = new RecordingChat(clock);
  const daily = new DailyService({ store: stores.team, decks, clock, chat: () => chat, random: () => 0.42 });
  const review = new ReviewService({ store: stores.review, decks, clock });
  const engine = new QuizEngine({ review, decks, daily });
  const actor = (userId: string, isAdmin: boolean, team: TeamRef = TEAM_A): Actor => ({
    user: { platform: team.platform, userId },
    team,
    isAdmin,
    displayName: userId === ADMIN ? 'Ada Admin' : 'Mel Member',
  });
  await seedLastWeek(engine, daily, stores, clock, chat, actor);
  clock.ms = NOW;

  const webStore = new RedisWebStore(stores.redis as NonNullable<Stores['redis']>, redis.prefix);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = opts.publicUrl ?? url;
  const web = await startWeb(
    {
      engine,
      daily,
      store: stores.team,
      decks,
      deckFiles: new DeckFiles(decksDir, decks),
      deckEditors: new Set([`${TEAM_A.platform}:${TEAM_A.teamId}`]),
      webStore,
      // The platform's answer, as a port: ADMIN administers team A, nobody else anything.
      isAdmin: async (team, userId) => team.teamId === TEAM_A.teamId && userId === ADMIN,
      publicUrl,
      clock,
      log: { error() {}, warn() {}, info() {}, debug() {} },
      ...(opts.sessionTtlMs ? { sessionTtlMs: opts.sessionTtlMs } : {}),
      ...(opts.signInPerMinute ? { signInPerMinute: opts.signInPerMinute } : {}),
    },
    port,
    '127.0.0.1',
  );
  return {
    url,
    clock,
    engine,
    daily,
    decks,
    decksDir,
    stores,
    webStore,
    web,
    actor,
    link: async (team, userId, ageMs = 0) =>
      linkUrl(
        publicUrl,
        issueToken(await webStore.secret(), { team, userId, operator: false }, clock.now() - ageMs),
      ),
    close: async () => {
      await web.close();
      await stores.close();
      await redis.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Last week: a question in #c-quiz, answered right by the admin and wrong by the member, closed. */
async function seedLastWeek(
  engine: QuizEngine,
  daily: DailyService,
  stores: Stores,
  clock: ManualClock,
  chat: RecordingChat,
  actor: Rig['actor'],
): Promise<void> {
  const admin = actor(ADMIN, true);
  await engine.admin(admin, {
    kind: 'schedule',
    channelId: 'c-quiz',
    deckId: 'demo',
    time: '09:00',
    timezone: 'UTC',
  });
  const posted = await engine.admin(admin, { kind: 'post-now', channelId: 'c-quiz' });
  if (posted.title !== 'Question posted') throw new Error(`seed: ${posted.text}`);
  const rounds = await stores.team.openRounds(TEAM_A);
  const roundId = rounds[0]?.roundId as string;
  const round = await stores.team.getRound(TEAM_A, roundId);
  if (!round || chat.posts.length !== 1) throw new Error('seed: no round');
  clock.advance(5_000);
  await daily.answer(admin, roundId, round.correct);
  await daily.answer(actor(MEMBER, false), roundId, (round.correct + 1) % round.order.length);
  clock.advance(3_600_000);
  await daily.closeRound(TEAM_A, roundId);
}
