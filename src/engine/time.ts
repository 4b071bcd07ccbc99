/**
 * Calendar helpers for IANA timezones, on plain Intl (no date library needed for these).
 */

const fmtCache = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    fmtCache.set(tz, f);
  }
  return f;
}

/** Wall-clock parts of `ms` in `tz`. */
export function localParts(
  ms: number,
  tz: string,
): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of fmt(tz).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return {
    y: p.year ?? 0,
    m: p.month ?? 0,
    d: p.day ?? 0,
    h: p.hour ?? 0,
    min: p.minute ?? 0,
    s: p.second ?? 0,
  };
}

/** Local date `YYYY-MM-DD` of `ms` in `tz`. */
export function localDate(ms: number, tz: string): string {
  const { y, m, d } = localParts(ms, tz);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The epoch ms at which the wall clock in `tz` reads `date` `hh:mm` (first such instant; skipped times move forward). */
export function zonedTime(date: string, hh: number, mm: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // Two passes of offset correction settle on the right side of DST changes.
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(guess, tz);
    const seen = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
    const diff = wall - seen;
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

/** Adds `n` calendar days to a `YYYY-MM-DD` date. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** One local calendar day: its date and its [start, end) in epoch ms. */
export interface DayWindow {
  /** `YYYY-MM-DD`. */
  day: string;
  /** First ms of the day. */
  start: number;
  /** First ms of the next day. */
  end: number;
}

const windows = new Map<string, DayWindow>();

/**
 * The local day containing `ms` in `tz`. Cached per timezone: Intl's formatToParts is the
 * costliest step of a grade, and every call within the same day is answered from the cache.
 */
export function dayWindow(ms: number, tz: string): DayWindow {
  const cached = windows.get(tz);
  if (cached && ms >= cached.start && ms < cached.end) return cached;
  const day = localDate(ms, tz);
  const w = { day, start: zonedTime(day, 0, 0, tz), end: zonedTime(addDays(day, 1), 0, 0, tz) };
  windows.set(tz, w);
  return w;
}

/** Epoch ms of the next local midnight after `ms` in `tz`. */
export function endOfLocalDay(ms: number, tz: string): number {
  return dayWindow(ms, tz).end;
}

/** Short human duration: `1m`, `10m`, `3h`, `4d`, `2mo`, `1.5y`. */
export function shortDuration(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 60) return `${min}m`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h}h`;
  const d = Math.round(h / 24);
  if (d < 31) return `${d}d`;
  const mo = Math.round(d / 30.4);
  if (mo < 12) return `${mo}mo`;
  return `${Number((d / 365).toFixed(1))}y`;
}
