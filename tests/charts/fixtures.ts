import type { ChartSpec } from '../../src/engine/charts.js';
import type { DayCounters } from '../../src/engine/ports.js';
import { statsChart } from '../../src/engine/stats-chart.js';
import { addDays } from '../../src/engine/time.js';

/** 366 days of counters, newest first, with a made-up but repeatable pattern of study. */
export function sampleCounters(today: string): DayCounters[] {
  return Array.from({ length: 366 }, (_, i) => {
    const reviews = i % 7 === 3 ? 0 : (i * 37) % 29;
    const recallTotal = Math.floor(reviews * 0.7);
    return { day: addDays(today, -i), reviews, recallTotal, recallPassed: Math.floor(recallTotal * 0.88) };
  });
}

/** A `/stats` chart from sample data, as the engine builds it. */
export function sampleStatsChart(today = '2026-11-30', tz = 'UTC'): ChartSpec {
  const base = Date.parse(`${today}T00:00:00Z`);
  const dueTimes = Array.from({ length: 240 }, (_, i) => base + ((i * 7919) % (30 * 24)) * 3_600_000);
  return statsChart({ today, tz, counters: sampleCounters(today), dueTimes });
}
