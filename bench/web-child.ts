/**
 * Bench child of the dashboard section: the engine on Redis with the bundled decks, then the
 * dashboard (imported only then, so its modules count as what it adds). Prints one JSON line per
 * phase on stdout: `core` (RSS before the dashboard), `web` (port, RSS, sign-in links). Exits when
 * stdin closes.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDecks } from '../src/deck-files.js';
import { DailyService } from '../src/engine/daily.js';
import { DeckSet } from '../src/engine/deck/types.js';
import { QuizEngine } from '../src/engine/engine.js';
import type { TeamRef } from '../src/engine/ports.js';
import { ReviewService } from '../src/engine/review.js';
import { openStores } from '../src/store/open.js';
import { ROOT } from './fixtures.js';

const [redisUrl, sessions = '50'] = process.argv.slice(2);
const TEAM: TeamRef = { platform: 'discord', teamId: 'bench-web' };
const dir = mkdtempSync(join(tmpdir(), 'qb-bench-web-'));
cpSync(join(ROOT, 'decks'), join(dir, 'decks'), { recursive: true });
const stores = await openStores({ redisUrl, prefix: 'bweb', dataDir: dir });
const decks = new DeckSet((await loadDecks(join(dir, 'decks'))).decks);
const clock = { now: () => Date.now() };
const daily = new DailyService({ store: stores.team, decks, clock, chat: () => undefined });
const engine = new QuizEngine({
  review: new ReviewService({ store: stores.review, decks, clock }),
  decks,
  daily,
});
const admin = { user: { platform: TEAM.platform, userId: 'admin' }, team: TEAM, isAdmin: true };
const deckId = decks.list()[0]?.id ?? '';
for (let i = 0; i < 5; i++) {
  await engine.admin(admin, {
    kind: 'schedule',
    channelId: `c${i}`,
    deckId,
    time: `0${i + 8}:00`,
    timezone: 'Europe/Berlin',
  });
}
const rss = () => process.memoryUsage().rss;
global.gc?.();
process.stdout.write(
  `${JSON.stringify({ phase: 'core', rss: rss(), deckId, cardId: decks.get(deckId)?.cards[0]?.id })}\n`,
);

const { startWeb } = await import('../src/web/server.js');
const { DeckFiles } = await import('../src/web/deck-files.js');
const { RedisWebStore } = await import('../src/web/web-store.js');
const { issueToken, linkUrl } = await import('../src/web/links.js');
const webStore = new RedisWebStore(stores.redis as NonNullable<typeof stores.redis>, 'bweb');
const port = await new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const a = srv.address();
    srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
  });
});
const publicUrl = `http://127.0.0.1:${port}`;
const web = await startWeb(
  {
    engine,
    daily,
    store: stores.team,
    decks,
    deckFiles: new DeckFiles(join(dir, 'decks'), decks),
    deckEditors: new Set([`${TEAM.platform}:${TEAM.teamId}`]),
    webStore,
    isAdmin: async () => true,
    publicUrl,
    clock,
    log: { error() {}, warn() {}, info() {}, debug() {} },
    // 50 sign-ins from one address in a second: above the production limit of 10 a minute.
    signInPerMinute: 10_000,
  },
  port,
  '127.0.0.1',
);
const secret = await webStore.secret();
const links = Array.from({ length: Number(sessions) }, (_, i) =>
  linkUrl(publicUrl, issueToken(secret, { team: TEAM, userId: `admin${i}`, operator: false }, Date.now())),
);
global.gc?.();
process.stdout.write(`${JSON.stringify({ phase: 'web', rss: rss(), port: web.port, links })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void web.close().then(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
