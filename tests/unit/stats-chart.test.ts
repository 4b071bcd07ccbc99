import { describe, expect, it } from 'vitest';
import type { BarsPanel, CalendarPanel, LinePanel } from '../../src/engine/charts.js';
import { leaderboardChart } from '../../src/engine/leaderboard.js';
import { forecastEnd, STATS_CHART, statsChart } from '../../src/engine/stats-chart.js';
import { addDays } from '../../src/engine/time.js';

const empty = (today: string, n = 366) =>
  Array.from({ length: n }, (_, i) => ({
    day: addDays(today, -i),
    reviews: 0,
    recallTotal: 0,
    recallPassed: 0,
  }));

describe('the /stats chart spec', () => {
  it('bins due times by local day: overdue counts for today, a Berlin evening is the next UTC day', () => {
    const tz = 'Europe/Berlin';
    const today = '2026-11-30';
    const dueTimes = [
      Date.parse('2026-11-20T10:00:00Z'), // overdue
      Date.parse('2026-11-30T22:30:00Z'), // 23:30 in Berlin: still today
      Date.parse('2026-11-30T23:30:00Z'), // 00:30 on Dec 1 in Berlin
      Date.parse('2026-12-29T12:00:00Z'), // day 30 of 30
    ];
    const spec = statsChart({ today, tz, counters: empty(today), dueTimes });
    const bars = spec.panels[1] as BarsPanel;
    expect(bars.labels).toHaveLength(STATS_CHART.forecastDays);
    expect(bars.labels[0]).toBe('11-30');
    expect(bars.values.slice(0, 2)).toEqual([2, 1]);
    expect(bars.values[29]).toBe(1);
    expect(bars.values.reduce((a, b) => a + b, 0)).toBe(4);
    expect(forecastEnd(today, tz)).toBe(Date.parse('2026-12-29T23:00:00Z'));
  });

  it('puts the last 182 days with reviews into the heatmap and recall per week into the line', () => {
    const today = '2026-11-30';
    const counters = empty(today);
    counters[0] = { day: today, reviews: 5, recallTotal: 4, recallPassed: 3 };
    counters[181] = { day: addDays(today, -181), reviews: 2, recallTotal: 0, recallPassed: 0 };
    counters[182] = { day: addDays(today, -182), reviews: 9, recallTotal: 0, recallPassed: 0 };
    const spec = statsChart({ today, tz: 'UTC', counters, dueTimes: [] });
    const cal = spec.panels[0] as CalendarPanel;
    expect(cal.range).toEqual([addDays(today, -181), today]);
    expect(cal.days).toEqual([
      [today, 5],
      [addDays(today, -181), 2],
    ]);
    const line = spec.panels[2] as LinePanel;
    expect(line.values).toHaveLength(STATS_CHART.retentionWeeks);
    expect(line.values.at(-1)).toBe(75);
    expect(line.values.slice(0, -1).every((v) => v === null)).toBe(true);
    expect(spec.alt).toContain('7 in all');
  });

  it('marks the caller on the leaderboard chart, and names users without a stored name by their id', () => {
    const spec = leaderboardChart(
      'Board',
      [
        { userId: '1234567', name: null, points: 10, rank: 1 },
        { userId: 'me', name: 'Me', points: 5, rank: 2 },
      ],
      'me',
    );
    const bars = spec.panels[0] as BarsPanel;
    expect(bars.labels).toEqual(['1. user …4567', '2. Me']);
    expect(bars.values).toEqual([10, 5]);
    expect(bars.highlight).toEqual([1]);
  });
});
