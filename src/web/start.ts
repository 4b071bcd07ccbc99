import type { Logger as Pino } from 'pino';
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import type { Platform } from '../engine/ports.js';
import { adminCheck, type PlatformAdminCheck } from './admin-checks.js';
import { DeckFiles } from './deck-files.js';
import { startWeb, type WebServer } from './server.js';

/**
 * Starts the dashboard of a bot process on WEB_PORT (separate from /metrics on HTTP_PORT). Deck
 * editing is on only for the teams in DASHBOARD_DECK_EDITORS, since deck files are shared by
 * every team the bot serves.
 */
export async function startDashboard(
  config: Config,
  core: Core,
  admins: Map<Platform, PlatformAdminCheck>,
  log: Pino,
): Promise<WebServer> {
  if (!config.PUBLIC_URL) throw new Error('the dashboard needs PUBLIC_URL');
  const editors = new Set(config.DASHBOARD_DECK_EDITORS);
  return startWeb(
    {
      engine: core.engine,
      daily: core.daily,
      store: core.stores.team,
      decks: core.decks,
      deckFiles: editors.size > 0 ? new DeckFiles(config.DECKS_DIR, core.decks) : null,
      deckEditors: editors,
      webStore: core.web,
      charts: core.charts,
      isAdmin: adminCheck(admins),
      publicUrl: config.PUBLIC_URL,
      clock: { now: () => Date.now() },
      log: log.child({ part: 'web' }),
      sessionTtlMs: config.DASHBOARD_SESSION_MS,
    },
    config.WEB_PORT,
  );
}
