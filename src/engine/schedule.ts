import type { ChannelSchedule, CloseRule, TeamRef, TeamStore } from './ports.js';
import { err, ok, type Result } from './result.js';
import { addDays, localDate, localParts } from './time.js';

/**
 * Channel schedules: parsing of admin input and the next-occurrence math, on plain Intl.
 *
 * DST rules (a schedule is a wall-clock time in its timezone):
 * - a time that exists once posts at that local time on both sides of a change (09:00 stays 09:00);
 * - a time skipped by a spring-forward change posts at the same distance after the change
 *   (02:30 Europe/Berlin on the last Sunday of March posts at 03:30);
 * - a time that occurs twice (fall-back change) posts at its first occurrence.
 */

/** A parse result: the value, or a user-facing reason with a good example. */
export type Parsed<T> = Result<T, string>;

/** Monday to Friday. */
export const DEFAULT_WEEKDAYS: readonly number[] = [1, 2, 3, 4, 5];
/** Close 8 hours after opening. */
export const DEFAULT_CLOSE: CloseRule = { kind: 'after', minutes: 8 * 60 };
/** Rounds stay open at most a day, so one channel never has two rounds of its schedule open at once. */
export const MAX_CLOSE_MINUTES = 24 * 60;

const DAY_MS = 86_400_000;
const DAY_TITLES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const ZONE_AREAS = new Set([
  'Africa',
  'America',
  'Antarctica',
  'Arctic',
  'Asia',
  'Atlantic',
  'Australia',
  'Europe',
  'Indian',
  'Pacific',
  'Etc',
]);

function fail<T>(error: string): Parsed<T> {
  return err(error);
}

/** Parses a local time `H:MM` or `HH:MM` (24-hour) into `HH:MM`. */
export function parseTime(input: string): Parsed<string> {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(input);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || h > 23 || min > 59) {
    return fail(`\`${input}\` is not a time: use 24-hour \`HH:MM\`, for example \`09:00\` or \`14:30\`.`);
  }
  return ok(`${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`);
}

/**
 * Validates an IANA timezone and returns its canonical spelling (`europe/berlin` -> `Europe/Berlin`).
 * Abbreviations (`CEST`, `EST`) are refused: they name an offset, not the rules of a place.
 */
export function parseTimezone(input: string): Parsed<string> {
  const tz = input.trim();
  const example = 'use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`';
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return fail(`\`${input}\` is not a timezone I know: ${example}.`);
  }
  const area = canonical.split('/')[0] ?? '';
  if (canonical !== 'UTC' && (!tz.includes('/') || !ZONE_AREAS.has(area))) {
    return fail(`\`${input}\` is an abbreviation or alias, not a place: ${example}.`);
  }
  return ok(canonical);
}

const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** ISO weekday of `mon`, `tues`, `thursday`...: any prefix of 3+ letters of a full name. */
function dayIndex(word: string): number | undefined {
  const w = word.trim().toLowerCase();
  if (w.length < 3) return undefined;
  const i = FULL_DAY_NAMES.findIndex((d) => d.startsWith(w));
  return i < 0 ? undefined : i + 1;
}

/**
 * Parses weekdays: `mon-fri` (ranges may wrap: `fri-mon`), `mon,wed,fri`, `daily`, `weekdays`,
 * `weekends`; full names work too. Missing or empty: Monday to Friday. Returns ISO weekdays, sorted.
 */
export function parseWeekdays(input: string | undefined): Parsed<number[]> {
  const text = (input ?? '').trim().toLowerCase();
  if (text === '') return ok([...DEFAULT_WEEKDAYS]);
  const named: Record<string, number[]> = {
    daily: [1, 2, 3, 4, 5, 6, 7],
    everyday: [1, 2, 3, 4, 5, 6, 7],
    'every day': [1, 2, 3, 4, 5, 6, 7],
    weekdays: [1, 2, 3, 4, 5],
    workdays: [1, 2, 3, 4, 5],
    weekends: [6, 7],
    weekend: [6, 7],
  };
  const preset = named[text];
  if (preset) return ok(preset);
  const days = new Set<number>();
  const bad = () =>
    fail<number[]>(
      `\`${input}\` are not weekdays: use \`mon-fri\`, \`mon,wed,fri\`, \`daily\` or \`weekends\`.`,
    );
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const range = part.split('-');
    if (range.length === 1) {
      const d = dayIndex(part);
      if (d === undefined) return bad();
      days.add(d);
    } else if (range.length === 2) {
      const from = dayIndex(range[0] ?? '');
      const to = dayIndex(range[1] ?? '');
      if (from === undefined || to === undefined) return bad();
      for (let d = from, n = 0; n < 7; d = (d % 7) + 1, n++) {
        days.add(d);
        if (d === to) break;
      }
    } else {
      return bad();
    }
  }
  if (days.size === 0) return bad();
  return ok([...days].sort((a, b) => a - b));
}

/** Human form of weekdays: `daily`, `Mon–Fri`, `Sat, Sun`, `Mon, Wed, Fri`. */
export function formatWeekdays(days: readonly number[]): string {
  if (days.length === 7) return 'daily';
  const sorted = [...days].sort((a, b) => a - b);
  const first = sorted[0] ?? 1;
  const last = sorted[sorted.length - 1] ?? 1;
  if (sorted.length >= 3 && last - first === sorted.length - 1) {
    return `${DAY_TITLES[first - 1]}–${DAY_TITLES[last - 1]}`;
  }
  return sorted.map((d) => DAY_TITLES[d - 1]).join(', ');
}

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Parses when a round closes: a duration (`8h`, `90m`, `1h30m`, up to 24h) or a local time
 * (`17:00`, not equal to the opening time). Missing: 8 hours.
 */
export function parseClose(input: string | undefined, openTime: string): Parsed<CloseRule> {
  const text = (input ?? '').trim().toLowerCase();
  if (text === '') return ok({ ...DEFAULT_CLOSE });
  if (text.includes(':')) {
    const t = parseTime(text);
    if (!t.ok)
      return fail(`\`${input}\` is not a close time: use a duration like \`8h\` or a time like \`17:00\`.`);
    if (t.value === openTime) return fail(`The round cannot close at the time it opens (\`${t.value}\`).`);
    return ok({ kind: 'at', time: t.value });
  }
  const m = /^(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*m(?:in)?)?$/.exec(text);
  const minutes = m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : Number.NaN;
  if (!(minutes >= 1 && minutes <= MAX_CLOSE_MINUTES)) {
    return fail(
      `\`${input}\` is not a close rule: use a duration from \`1m\` to \`24h\` (like \`8h\` or \`90m\`) or a time like \`17:00\`.`,
    );
  }
  return ok({ kind: 'after', minutes });
}

/** Human form of a close rule: `after 8h`, `after 1h30m`, `at 17:00`. */
export function formatClose(rule: CloseRule): string {
  if (rule.kind === 'at') return `at ${rule.time}`;
  const h = Math.floor(rule.minutes / 60);
  const m = rule.minutes % 60;
  return `after ${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}

/** ISO weekday (1 Monday .. 7 Sunday) of a `YYYY-MM-DD` date. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** Offset of `tz` at instant `ms`: local wall time minus UTC, ms. */
export function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant the wall clock in `tz` reads `date` `time` (see the DST rules above): the earliest
 * valid reading when a time occurs twice, and the pre-change offset when it is skipped.
 */
export function wallToUtc(date: string, time: string, tz: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d) + minutesOf(time) * 60_000;
  const before = offsetAt(wall - 14 * 3_600_000, tz);
  const offsets = new Set([before, offsetAt(wall, tz), offsetAt(wall + 14 * 3_600_000, tz)]);
  const valid = [...offsets].map((o) => wall - o).filter((t) => offsetAt(t, tz) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

/** One occurrence of a schedule: its local date, when it opens and when it closes. */
export interface Occurrence {
  /** Local date `YYYY-MM-DD` in the schedule's timezone. */
  date: string;
  /** Opening instant, ms. */
  start: number;
  /** Closing instant, ms. */
  close: number;
}

type Timing = Pick<ChannelSchedule, 'time' | 'timezone' | 'weekdays' | 'close'>;

/** When a round of this schedule opened at `start` closes. */
export function closeAt(s: Pick<ChannelSchedule, 'timezone' | 'close'>, start: number): number {
  if (s.close.kind === 'after') return start + s.close.minutes * 60_000;
  const date = localDate(start, s.timezone);
  const same = wallToUtc(date, s.close.time, s.timezone);
  return same > start ? same : wallToUtc(addDays(date, 1), s.close.time, s.timezone);
}

/** The occurrence on a local date (whether or not the weekday is scheduled). */
export function occurrenceOn(s: Timing, date: string): Occurrence {
  const start = wallToUtc(date, s.time, s.timezone);
  return { date, start, close: closeAt(s, start) };
}

/** First scheduled occurrence that opens strictly after `after`. */
export function nextOccurrence(s: Timing, after: number): Occurrence {
  const today = localDate(after, s.timezone);
  for (let i = -1; i <= 8; i++) {
    const date = addDays(today, i);
    if (!s.weekdays.includes(isoWeekday(date))) continue;
    const occ = occurrenceOn(s, date);
    if (occ.start > after) return occ;
  }
  throw new RangeError(`schedule has no weekdays: ${JSON.stringify(s.weekdays)}`);
}

/** The scheduled occurrence whose window contains `now` (opened at or before, closing after), or null. */
export function currentOccurrence(s: Timing, now: number): Occurrence | null {
  const today = localDate(now, s.timezone);
  for (let i = 0; i >= -2; i--) {
    const date = addDays(today, i);
    if (!s.weekdays.includes(isoWeekday(date))) continue;
    const occ = occurrenceOn(s, date);
    if (occ.start <= now && now < occ.close) return occ;
  }
  return null;
}

/** The last scheduled local date before `date` (within a week), or null. */
export function previousScheduledDate(weekdays: readonly number[], date: string): string | null {
  for (let i = 1; i <= 7; i++) {
    const d = addDays(date, -i);
    if (weekdays.includes(isoWeekday(d))) return d;
  }
  return null;
}

/** ISO week key of a local date: `2024-W01` (the week's Thursday decides the year). */
export function isoWeekKey(date: string): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const jan1 = Date.UTC(year, 0, 1);
  const [y, m, d] = thursday.split('-').map(Number) as [number, number, number];
  const week = Math.floor((Date.UTC(y, m - 1, d) - jan1) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Month key of a local date: `2024-03`. */
export function monthKey(date: string): string {
  return date.slice(0, 7);
}

export { addDays, localDate };

/**
 * Adds a team's due entries (keeping existing ones); the scheduler's start-up reconcile and backup import both use it: the
 * current or next opening of every active schedule and the close of every open round.
 */
export async function reindexTeam(
  store: Pick<TeamStore, 'listSchedules' | 'openRounds' | 'setDue'>,
  team: TeamRef,
  now: number,
): Promise<void> {
  const [schedules, open] = await Promise.all([store.listSchedules(team), store.openRounds(team)]);
  for (const s of schedules) {
    if (s.paused) continue;
    const at = currentOccurrence(s, now)?.start ?? nextOccurrence(s, now).start;
    await store.setDue({ kind: 'open', team, channelId: s.channelId }, at, true);
  }
  for (const r of open) await store.setDue({ kind: 'close', team, roundId: r.roundId }, r.closesAt, true);
}
