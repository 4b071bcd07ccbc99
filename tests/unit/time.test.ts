import { describe, expect, it } from 'vitest';
import { dayWindow, endOfLocalDay, localDate, shortDuration } from '../../src/engine/time.js';

const H = 3_600_000;

describe('local days', () => {
  it('knows 23- and 25-hour days at the DST changes, and answers repeated calls from its cache', () => {
    const spring = dayWindow(Date.UTC(2026, 2, 29, 12), 'Europe/Berlin');
    expect(spring).toEqual({
      day: '2026-03-29',
      start: Date.UTC(2026, 2, 28, 23),
      end: Date.UTC(2026, 2, 29, 22),
    });
    expect(spring.end - spring.start).toBe(23 * H);
    const autumn = dayWindow(Date.UTC(2026, 9, 25, 12), 'Europe/Berlin');
    expect(autumn.end - autumn.start).toBe(25 * H);
    // Same day, later instant: the very same object.
    expect(dayWindow(Date.UTC(2026, 9, 25, 20), 'Europe/Berlin')).toBe(autumn);
    // The last ms of the day and the first of the next.
    expect(localDate(autumn.end - 1, 'Europe/Berlin')).toBe('2026-10-25');
    expect(dayWindow(autumn.end, 'Europe/Berlin').day).toBe('2026-10-26');
    expect(endOfLocalDay(Date.UTC(2026, 10, 25, 9), 'America/New_York')).toBe(Date.UTC(2026, 10, 26, 5));
  });

  it('labels intervals compactly', () => {
    expect([30_000, 6 * 60_000, 3 * H, 4 * 24 * H, 90 * 24 * H, 500 * 24 * H].map(shortDuration)).toEqual([
      '1m',
      '6m',
      '3h',
      '4d',
      '3mo',
      '1.4y',
    ]);
  });
});
