import type { ChannelSchedule, Platform } from '../ports.js';
import { formatClose, formatWeekdays, isoWeekday, localDate } from '../schedule.js';
import { localParts, shortDuration } from '../time.js';
import { noticeView, type View } from '../views.js';

/** Choice letters of a daily question (at most 10 choices are shown). */
export const LETTERS = 'ABCDEFGHIJ';

/** A channel as the platform links it. */
export function mention(platform: Platform, channelId: string): string {
  return platform === 'terminal' ? `#${channelId}` : `<#${channelId}>`;
}

/** Local wall-clock time `HH:MM` of an instant in a timezone. */
export function hhmm(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
}

/** How long an answer took: `12s` under a minute, else `3m`, `2h`. */
export function took(ms: number): string {
  return ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))}s` : shortDuration(ms);
}

const WEEKDAY_TITLES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `Mon 2024-03-04 09:00`, in the timezone. */
export function whenLocal(ms: number, tz: string): string {
  const date = localDate(ms, tz);
  return `${WEEKDAY_TITLES[isoWeekday(date) - 1]} ${date} ${hhmm(ms, tz)}`;
}

/** Splits items into rows of `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}

/** A refusal of a bad argument. */
export function bad(detail: string): View {
  return noticeView('bad_argument', detail);
}

/** A private success notice. */
export function done(title: string, text: string): View {
  return { title, text, private: true, tone: 'success' };
}

/** One line describing a channel's schedule. */
export function describe(s: ChannelSchedule, platform: Platform): string {
  return `${mention(platform, s.channelId)}: **${s.deckId}** at ${s.time} (${s.timezone}), ${formatWeekdays(
    s.weekdays,
  )}, closing ${formatClose(s.close)}`;
}
