import type { Period } from './api.js';
import type { ChartSpec } from './charts.js';
import type { BoardEntry, BoardPage, Platform, Streak } from './ports.js';
import { isoWeekKey, monthKey } from './schedule.js';
import { addDays } from './time.js';
import type { View } from './views.js';

/**
 * Team leaderboards: one board per ISO week (`w:2024-W13`), per month (`m:2024-03`) and one for
 * all time (`all`), keyed by the local date of the round that awarded the points. A new period is
 * a new key, so nothing is ever deleted to "reset" a board and old periods stay readable.
 *
 * Ranking: equal points share a rank (competition ranking: 1, 2, 2, 4). Within equal points, lines
 * are listed by user id, descending (the order Redis keeps equal scores in), so a board reads the
 * same on every request and every store.
 */

/** Lines shown at the top of a leaderboard. */
export const LEADERBOARD_SIZE = 10;

/** The board id of a period seen from a local date (`last-week` of a date is the week before its week). */
export function boardId(period: Period, date: string): string {
  switch (period) {
    case 'week':
      return `w:${isoWeekKey(date)}`;
    case 'last-week':
      return `w:${isoWeekKey(addDays(date, -7))}`;
    case 'month':
      return `m:${monthKey(date)}`;
    case 'last-month':
      // The last day of the previous month: the day before the 1st of this one.
      return `m:${monthKey(addDays(`${date.slice(0, 8)}01`, -1))}`;
    case 'all':
      return 'all';
  }
}

/** The week, month and all-time boards a round of this local date awards points to. */
export function boardsFor(date: string): [week: string, month: string, all: string] {
  return [boardId('week', date), boardId('month', date), boardId('all', date)];
}

/**
 * The board of an explicitly named past or current period (`2024-W13`, `2024-03`), or null when
 * the key does not fit the period.
 */
export function boardOfKey(period: Period, key: string): string | null {
  if ((period === 'week' || period === 'last-week') && /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/.test(key))
    return `w:${key}`;
  if ((period === 'month' || period === 'last-month') && /^\d{4}-(0[1-9]|1[0-2])$/.test(key))
    return `m:${key}`;
  if (period === 'all' && (key === '' || key === 'all')) return 'all';
  return null;
}

/** How a user is shown: the stored display name, else a mention (Discord and Slack share `<@id>`). */
export function displayName(platform: Platform, userId: string, name: string | null): string {
  if (name) return name;
  return platform === 'terminal' ? userId : `<@${userId}>`;
}

function periodTitle(board: string): string {
  if (board === 'all') return 'all time';
  const [kind, key] = board.split(':') as [string, string];
  return kind === 'w' ? `week ${key}` : `month ${key}`;
}

function line(platform: Platform, e: BoardEntry, me: boolean): string {
  const who = displayName(platform, e.userId, e.name);
  const text = `${e.rank}. ${who} — ${e.points} pts`;
  return me ? `**${text}** (you)` : text;
}

/** The top of a board as bars, the caller's bar in the accent colour. A picture cannot show a mention, so a user without a stored name is shown by the end of their id. */
export function leaderboardChart(title: string, top: BoardEntry[], userId: string): ChartSpec {
  const labels = top.map((e) => `${e.rank}. ${e.name ?? `user …${e.userId.slice(-4)}`}`);
  const me = top.findIndex((e) => e.userId === userId);
  return {
    name: 'leaderboard',
    alt: `${title}: points of the top ${top.length}.`,
    panels: [
      {
        kind: 'bars',
        title,
        labels,
        values: top.map((e) => e.points),
        highlight: me >= 0 ? [me] : [],
        unit: 'points',
      },
    ],
  };
}

/** Renders a leaderboard page for the caller (private). */
export function renderLeaderboard(args: {
  platform: Platform;
  board: string;
  page: BoardPage;
  userId: string;
  /** The caller's current streak, or null when it lapsed or never started. */
  streak: Streak | null;
}): View {
  const { platform, board, page, userId, streak } = args;
  const title = `Leaderboard · ${periodTitle(board)}`;
  const footer = streak ? `Your daily streak: ${streak.count} (best ${streak.best})` : undefined;
  if (page.top.length === 0) {
    const view: View = {
      title,
      text: 'No points yet in this period. Answer the daily question to get on the board!',
      private: true,
      tone: 'info',
    };
    if (footer) view.footer = footer;
    return view;
  }
  const lines = page.top.map((e) => line(platform, e, e.userId === userId));
  const inTop = page.top.some((e) => e.userId === userId);
  if (page.me && !inTop) lines.push('…', line(platform, page.me, true));
  else if (!page.me) lines.push('', 'You have no points in this period yet.');
  const view: View = {
    title,
    text: lines.join('\n'),
    fields: [{ name: 'Players', value: String(page.total), inline: true }],
    private: true,
    tone: 'info',
    chart: leaderboardChart(title, page.top, userId),
  };
  if (footer) view.footer = footer;
  return view;
}
