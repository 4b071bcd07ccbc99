import { describe, expect, it } from 'vitest';
import type { ChannelSchedule } from '../../src/engine/ports.js';
import {
  closeAt,
  currentOccurrence,
  formatClose,
  formatWeekdays,
  isoWeekKey,
  localDate,
  nextOccurrence,
  parseClose,
  parseTime,
  parseTimezone,
  parseWeekdays,
  previousScheduledDate,
  wallToUtc,
} from '../../src/engine/schedule.js';
import { localParts } from '../../src/engine/time.js';
import { everyDaySchedule } from '../helpers/round-fixture.js';

function sched(patch: Partial<ChannelSchedule> = {}): ChannelSchedule {
  return everyDaySchedule('C1', { deckId: 'k8s', timezone: 'Europe/Berlin', updatedBy: 'a', ...patch });
}

const iso = (ms: number) => new Date(ms).toISOString();

function localHm(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
}

/** The next `n` occurrences after `fromIso`. */
function occurrences(s: ChannelSchedule, fromIso: string, n: number) {
  const out = [];
  let t = Date.parse(fromIso);
  for (let i = 0; i < n; i++) {
    const o = nextOccurrence(s, t);
    out.push(o);
    t = o.start;
  }
  return out;
}

describe('parsing admin input', () => {
  it('times', () => {
    expect(parseTime('9:00')).toEqual({ ok: true, value: '09:00' });
    expect(parseTime(' 23:59 ')).toEqual({ ok: true, value: '23:59' });
    for (const bad of ['24:00', '9', '09:60', 'nine', '9:5']) {
      const r = parseTime(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain('09:00');
    }
  });

  it('timezones: IANA names, canonicalised; abbreviations and unknown places refused with an example', () => {
    expect(parseTimezone('Europe/Berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(parseTimezone('europe/berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(parseTimezone('America/New_York')).toEqual({ ok: true, value: 'America/New_York' });
    expect(parseTimezone('UTC')).toEqual({ ok: true, value: 'UTC' });
    expect(parseTimezone('US/Eastern')).toEqual({ ok: true, value: 'America/New_York' });
    for (const bad of ['CEST', 'Mars/Base', 'EST', 'CET', '', 'Europe/Atlantis']) {
      const r = parseTimezone(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain('Europe/Berlin');
    }
  });

  it('weekdays', () => {
    const v = (s: string | undefined) => {
      const r = parseWeekdays(s);
      return r.ok ? r.value : null;
    };
    expect(v(undefined)).toEqual([1, 2, 3, 4, 5]);
    expect(v('mon-fri')).toEqual([1, 2, 3, 4, 5]);
    expect(v('Mon,Wed,Fri')).toEqual([1, 3, 5]);
    expect(v('daily')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(v('weekends')).toEqual([6, 7]);
    expect(v('fri-mon')).toEqual([1, 5, 6, 7]);
    expect(v('tuesday, thurs')).toEqual([2, 4]);
    expect(v('sat-sun')).toEqual([6, 7]);
    for (const bad of ['mo', 'funday', 'mon-', 'mon-tue-wed']) expect(v(bad), bad).toBeNull();
    expect(formatWeekdays([1, 2, 3, 4, 5])).toBe('Mon–Fri');
    expect(formatWeekdays([1, 3, 5])).toBe('Mon, Wed, Fri');
    expect(formatWeekdays([1, 2, 3, 4, 5, 6, 7])).toBe('daily');
  });

  it('close rules: durations up to 24h or a local time', () => {
    const v = (s: string | undefined) => {
      const r = parseClose(s, '09:00');
      return r.ok ? r.value : null;
    };
    expect(v(undefined)).toEqual({ kind: 'after', minutes: 480 });
    expect(v('8h')).toEqual({ kind: 'after', minutes: 480 });
    expect(v('90m')).toEqual({ kind: 'after', minutes: 90 });
    expect(v('1h30m')).toEqual({ kind: 'after', minutes: 90 });
    expect(v('24h')).toEqual({ kind: 'after', minutes: 1440 });
    expect(v('17:00')).toEqual({ kind: 'at', time: '17:00' });
    for (const bad of ['0m', '25h', 'soon', '09:00', '17:70']) expect(v(bad), bad).toBeNull();
    expect(formatClose({ kind: 'after', minutes: 90 })).toBe('after 1h30m');
    expect(formatClose({ kind: 'at', time: '17:00' })).toBe('at 17:00');
  });
});

describe('occurrences', () => {
  it('skips unscheduled weekdays', () => {
    const s = sched({ weekdays: [1, 2, 3, 4, 5] });
    // Friday 2024-03-29 10:00 Berlin -> next is Monday 2024-04-01.
    const o = nextOccurrence(s, Date.parse('2024-03-29T09:00:00Z'));
    expect(o.date).toBe('2024-04-01');
    expect(previousScheduledDate(s.weekdays, '2024-04-01')).toBe('2024-03-29');
    expect(previousScheduledDate([3], '2024-04-03')).toBe('2024-03-27');
  });

  it('the current occurrence is the one whose window contains now', () => {
    const s = sched({ weekdays: [1, 2, 3, 4, 5] });
    expect(currentOccurrence(s, Date.parse('2024-03-28T07:59:59Z'))).toBeNull();
    expect(currentOccurrence(s, Date.parse('2024-03-28T08:00:00Z'))?.date).toBe('2024-03-28');
    expect(currentOccurrence(s, Date.parse('2024-03-28T15:59:59Z'))?.date).toBe('2024-03-28');
    expect(currentOccurrence(s, Date.parse('2024-03-28T16:00:00Z'))).toBeNull();
    // A window crossing midnight: opened yesterday at 22:00, closes today at 02:00.
    const late = sched({ time: '22:00', close: { kind: 'at', time: '02:00' } });
    const o = currentOccurrence(late, Date.parse('2024-03-28T00:30:00Z'));
    expect(o?.date).toBe('2024-03-27');
    expect(iso(o?.close ?? 0)).toBe('2024-03-28T01:00:00.000Z');
  });

  it('closing at a local time after the opening is the same day, else the next', () => {
    const s = sched({ close: { kind: 'at', time: '17:00' } });
    const start = wallToUtc('2024-03-28', '09:00', 'Europe/Berlin');
    expect(iso(closeAt(s, start))).toBe('2024-03-28T16:00:00.000Z');
    const early = sched({ close: { kind: 'at', time: '08:00' } });
    expect(iso(closeAt(early, start))).toBe('2024-03-29T07:00:00.000Z');
  });
});

describe('daylight saving', () => {
  it('09:00 Europe/Berlin stays 09:00 local across the March change (UTC moves 08:00 -> 07:00)', () => {
    const occ = occurrences(sched(), '2024-03-29T12:00:00Z', 4);
    expect(occ.map((o) => o.date)).toEqual(['2024-03-30', '2024-03-31', '2024-04-01', '2024-04-02']);
    expect(occ.map((o) => iso(o.start))).toEqual([
      '2024-03-30T08:00:00.000Z',
      '2024-03-31T07:00:00.000Z',
      '2024-04-01T07:00:00.000Z',
      '2024-04-02T07:00:00.000Z',
    ]);
    for (const o of occ) expect(localHm(o.start, 'Europe/Berlin')).toBe('09:00');
  });

  it('09:00 Europe/Berlin stays 09:00 local across the October change (UTC moves 07:00 -> 08:00)', () => {
    const occ = occurrences(sched(), '2024-10-25T12:00:00Z', 3);
    expect(occ.map((o) => iso(o.start))).toEqual([
      '2024-10-26T07:00:00.000Z',
      '2024-10-27T08:00:00.000Z',
      '2024-10-28T08:00:00.000Z',
    ]);
    for (const o of occ) expect(localHm(o.start, 'Europe/Berlin')).toBe('09:00');
  });

  it('09:00 America/New_York across the March and November changes', () => {
    const s = sched({ timezone: 'America/New_York' });
    const spring = occurrences(s, '2024-03-09T00:00:00Z', 3);
    expect(spring.map((o) => iso(o.start))).toEqual([
      '2024-03-09T14:00:00.000Z',
      '2024-03-10T13:00:00.000Z',
      '2024-03-11T13:00:00.000Z',
    ]);
    const fall = occurrences(s, '2024-11-02T00:00:00Z', 3);
    expect(fall.map((o) => iso(o.start))).toEqual([
      '2024-11-02T13:00:00.000Z',
      '2024-11-03T14:00:00.000Z',
      '2024-11-04T14:00:00.000Z',
    ]);
    for (const o of [...spring, ...fall]) expect(localHm(o.start, 'America/New_York')).toBe('09:00');
  });

  it('a skipped local time posts after the gap; a repeated one posts at its first occurrence', () => {
    // 02:30 does not exist in Berlin on 2024-03-31: it posts at 03:30 CEST (01:30 UTC).
    expect(iso(wallToUtc('2024-03-31', '02:30', 'Europe/Berlin'))).toBe('2024-03-31T01:30:00.000Z');
    // 02:30 happens twice on 2024-10-27: the first is 02:30 CEST (00:30 UTC).
    expect(iso(wallToUtc('2024-10-27', '02:30', 'Europe/Berlin'))).toBe('2024-10-27T00:30:00.000Z');
    // New York: 02:30 skipped on 2024-03-10 -> 03:30 EDT; 01:30 twice on 2024-11-03 -> the EDT one.
    expect(iso(wallToUtc('2024-03-10', '02:30', 'America/New_York'))).toBe('2024-03-10T07:30:00.000Z');
    expect(iso(wallToUtc('2024-11-03', '01:30', 'America/New_York'))).toBe('2024-11-03T05:30:00.000Z');
  });

  it('an 8h window is 8 real hours even across a change at night', () => {
    const s = sched({ time: '22:00', timezone: 'Europe/Berlin' });
    const o = nextOccurrence(s, Date.parse('2024-03-30T12:00:00Z'));
    expect(o.close - o.start).toBe(8 * 3_600_000);
    expect(localHm(o.close, 'Europe/Berlin')).toBe('07:00');
  });
});

describe('period keys', () => {
  it('ISO weeks (the Thursday decides the year) and local dates', () => {
    expect(isoWeekKey('2024-03-31')).toBe('2024-W13');
    expect(isoWeekKey('2024-04-01')).toBe('2024-W14');
    expect(isoWeekKey('2021-01-03')).toBe('2020-W53');
    expect(isoWeekKey('2024-12-30')).toBe('2025-W01');
    expect(isoWeekKey('2026-01-01')).toBe('2026-W01');
    expect(localDate(Date.parse('2024-03-31T22:30:00Z'), 'Europe/Berlin')).toBe('2024-04-01');
    expect(localDate(Date.parse('2024-03-31T22:30:00Z'), 'America/New_York')).toBe('2024-03-31');
  });
});
