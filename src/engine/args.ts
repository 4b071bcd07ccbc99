/**
 * Command arguments as users type them, read the same way for every adapter: Discord passes its
 * options as typed, Slack passes one line of text, the terminal passes flags. Schedules (time,
 * timezone, weekdays, close) are parsed by schedule.ts; this module holds what comes before them.
 */

import type { Period } from './api.js';

/** The leaderboard periods, in the order menus show them (Discord choices, Slack usage). */
export const PERIOD_CHOICES: ReadonlyArray<{ value: Period; label: string }> = [
  { value: 'week', label: 'This week' },
  { value: 'last-week', label: 'Last week' },
  { value: 'month', label: 'This month' },
  { value: 'last-month', label: 'Last month' },
  { value: 'all', label: 'All time' },
];

const PERIOD_WORDS: Record<string, Period> = {
  week: 'week',
  weekly: 'week',
  w: 'week',
  thisweek: 'week',
  lastweek: 'last-week',
  prevweek: 'last-week',
  previousweek: 'last-week',
  month: 'month',
  monthly: 'month',
  m: 'month',
  thismonth: 'month',
  lastmonth: 'last-month',
  prevmonth: 'last-month',
  previousmonth: 'last-month',
  all: 'all',
  alltime: 'all',
  ever: 'all',
};

/**
 * A leaderboard period as typed (`last week`, `last-week`, `Last Month`, `all time`); nothing
 * given is this week. Null when the words name no period.
 */
export function parsePeriod(raw: string | null | undefined): Period | null {
  const word = (raw ?? '').toLowerCase().replace(/[\s_-]+/g, '');
  if (word === '') return 'week';
  return PERIOD_WORDS[word] ?? null;
}

/**
 * A deck argument: trimmed and lower-cased, since deck ids are lower-case file names, so `Kubernetes`
 * finds `kubernetes` on every platform. Null when nothing was given.
 */
export function deckArg(raw: string | null | undefined): string | null {
  const id = raw?.trim().toLowerCase();
  return id ? id : null;
}

/**
 * Splits a command line into arguments on white space, except around commas: a list typed with
 * spaces after (or before) its commas, such as `mon, wed`, stays one argument (`mon,wed`).
 */
export function splitArgs(text: string): string[] {
  return text
    .trim()
    .replace(/\s*,\s*/g, ',')
    .split(/\s+/)
    .filter(Boolean);
}
