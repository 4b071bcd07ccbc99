import type { Logger } from '../engine/api.js';
import type { DailyService } from '../engine/daily.js';
import type { DeckSet } from '../engine/deck/types.js';
import type { QuizEngine } from '../engine/engine.js';
import type { Clock, TeamRef, TeamStore } from '../engine/ports.js';
import type { ChartStore } from './chart-store.js';
import type { DeckFiles } from './deck-files.js';
import type { WebStore } from './web-store.js';

/**
 * Whether a user administers a team now, asked of the platform on every write: Discord (the
 * member's Manage Server permission, fetched over REST), Slack (users.info admin/owner, or
 * SLACK_ADMIN_USERS). Null when this process cannot ask (that platform's adapter does not run here).
 */
export type AdminCheck = (team: TeamRef, userId: string) => Promise<boolean | null>;

/** What the dashboard is built from: the same engine, daily service and decks as the commands. */
export interface WebDeps {
  /** Every write goes through it (the slash commands' code and messages). */
  engine: QuizEngine;
  /** Leaderboards of any period. */
  daily: DailyService;
  /** Reads for listing (schedules, team timezone). */
  store: TeamStore;
  /** The loaded decks. */
  decks: DeckSet;
  /** Deck files for editing; null when the dashboard may not write decks. */
  deckFiles: DeckFiles | null;
  /** Teams allowed to edit the deck files (`platform:id`); decks are shared by every team. */
  deckEditors: ReadonlySet<string>;
  /** Sessions and link nonces. */
  webStore: WebStore;
  /** Charts served at `/charts/<id>.png` for Slack image blocks; unset: no such route. */
  charts?: ChartStore | undefined;
  /** Admin re-check per write. */
  isAdmin: AdminCheck;
  /** Base URL of links (`https://quiz.example.com`), from PUBLIC_URL. */
  publicUrl: string;
  /** Time. */
  clock: Clock;
  /** Log. */
  log: Logger;
  /** Session lifetime (default 8 hours). */
  sessionTtlMs?: number;
  /** Sign-in attempts per IP per minute (default 10). */
  signInPerMinute?: number;
}

/** Team key `platform:id`, as in DASHBOARD_DECK_EDITORS. */
export const teamKey = (t: TeamRef): string => `${t.platform}:${t.teamId}`;
