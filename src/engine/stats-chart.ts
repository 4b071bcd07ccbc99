import type { ChartSpec } from './charts.js';
import type { DayCounters } from './ports.js';
import { addDays, localDate, zonedTime } from './time.js';

/** Spans of the `/stats` chart's panels. */
export const STATS_CHART = { heatmapDays: 182, forecastDays: 30, retentionWeeks: 12 } as const;

/** What the `/stats` chart is drawn from (all already read for the text). */
export interface StatsChartInput {
  /** Today, local `YYYY-MM-DD`. */
  today: string;
  /** Study timezone. */
  tz: string;
  /** Day counters, newest first, starting with today (at least {@link STATS_CHART.heatmapDays}). */
  counters: DayCounters[];
  /** Due times (ms) before {@link forecastEnd}; overdue ones count for today. */
  dueTimes: number[];
}

/** The first ms after the forecast's last day: the `until` of the due-times read. */
export function forecastEnd(today: string, tz: string): number {
  return zonedTime(addDays(today, STATS_CHART.forecastDays), 0, 0, tz);
}

const mmdd = (day: string) => day.slice(5);

/** Cards due on each of the next 30 local days (overdue cards count for today). */
function forecast(today: string, tz: string, dueTimes: number[]): { labels: string[]; values: number[] } {
  const labels = Array.from({ length: STATS_CHART.forecastDays }, (_, i) => addDays(today, i));
  const index = new Map(labels.map((d, i) => [d, i]));
  const values = labels.map(() => 0);
  const endOfToday = zonedTime(addDays(today, 1), 0, 0, tz);
  for (const t of dueTimes) {
    const i = t < endOfToday ? 0 : index.get(localDate(t, tz));
    if (i !== undefined) values[i] = (values[i] ?? 0) + 1;
  }
  return { labels: labels.map(mmdd), values };
}

/** Share recalled per week (oldest first), null for a week with no review of a card in review state. */
function weeklyRetention(counters: DayCounters[]): { labels: string[]; values: (number | null)[] } {
  const labels: string[] = [];
  const values: (number | null)[] = [];
  for (let w = STATS_CHART.retentionWeeks - 1; w >= 0; w--) {
    const week = counters.slice(7 * w, 7 * w + 7);
    const total = week.reduce((n, c) => n + c.recallTotal, 0);
    const passed = week.reduce((n, c) => n + c.recallPassed, 0);
    const first = week[week.length - 1];
    labels.push(first ? mmdd(first.day) : '');
    values.push(total ? Math.round((100 * passed) / total) : null);
  }
  return { labels, values };
}

/** The `/stats` chart: review heatmap of the last 6 months, 30-day due forecast, weekly retention. */
export function statsChart({ today, tz, counters, dueTimes }: StatsChartInput): ChartSpec {
  const recent = counters.slice(0, STATS_CHART.heatmapDays);
  const from = addDays(today, -(STATS_CHART.heatmapDays - 1));
  const days = recent.filter((c) => c.reviews > 0).map((c) => [c.day, c.reviews] as [string, number]);
  const reviews = recent.reduce((n, c) => n + c.reviews, 0);
  const f = forecast(today, tz, dueTimes);
  const due = f.values.reduce((n, v) => n + v, 0);
  const r = weeklyRetention(counters);
  return {
    name: 'stats',
    alt: `Reviews per day over the last 6 months (${reviews} in all), cards due on each of the next 30 days (${due} in all), and recall per week.`,
    panels: [
      { kind: 'calendar', title: `Reviews per day · ${from} to ${today}`, range: [from, today], days },
      { kind: 'bars', title: 'Cards due · next 30 days', labels: f.labels, values: f.values, unit: 'cards' },
      {
        kind: 'line',
        title: `Recall per week · last ${STATS_CHART.retentionWeeks} weeks`,
        labels: r.labels,
        values: r.values,
        min: 0,
        max: 100,
        unit: '%',
      },
    ],
  };
}
