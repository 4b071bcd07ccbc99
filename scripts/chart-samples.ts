import type { ChartSpec } from '../src/engine/charts.js';
import { picksChart } from '../src/engine/daily/views.js';
import { leaderboardChart } from '../src/engine/leaderboard.js';
import type { DayCounters } from '../src/engine/ports.js';
import { statsChart } from '../src/engine/stats-chart.js';
import { addDays } from '../src/engine/time.js';

const TODAY = '2026-11-30';

/** A believable study history: more on weekdays, a few idle days, recall around 85-92 %. */
function counters(): DayCounters[] {
  return Array.from({ length: 366 }, (_, i) => {
    const weekday = (i + 1) % 7 < 5;
    const idle = (i * 13) % 17 === 0 || i > 150;
    const reviews = idle ? 0 : (weekday ? 12 : 4) + ((i * 7) % 11);
    const recallTotal = Math.floor(reviews * 0.7);
    return {
      day: addDays(TODAY, -i),
      reviews,
      recallTotal,
      recallPassed: Math.round(recallTotal * (0.85 + ((i * 3) % 8) / 100)),
    };
  });
}

/** Due times of a deck in steady review: many soon, fewer later. */
function dueTimes(): number[] {
  const base = Date.parse(`${TODAY}T08:00:00Z`);
  return Array.from(
    { length: 260 },
    (_, i) => base + Math.floor(((i * 7919) % 1000) ** 2 / 1000 / 34) * 86_400_000,
  );
}

/** The charts shown in the README, from fixed sample data. */
export function screenshotSpecs(): ChartSpec[] {
  const names = [
    'Ada',
    'Grace',
    'Linus',
    'Margaret',
    'Ken',
    'Barbara',
    'Dennis',
    'Frances',
    'Edsger',
    'Radia',
  ];
  const top = names.map((name, i) => ({
    userId: `u${i}`,
    name,
    points: [86, 71, 71, 60, 52, 45, 33, 28, 20, 13][i] ?? 0,
    rank: [1, 2, 2, 4, 5, 6, 7, 8, 9, 10][i] ?? 0,
  }));
  return [
    statsChart({ today: TODAY, tz: 'UTC', counters: counters(), dueTimes: dueTimes() }),
    leaderboardChart('Leaderboard · week 2026-W49', top, 'u3'),
    roundChart(),
  ];
}

/** A closed daily round: 23 answers over four choices, the right one (C) picked most. */
function roundChart(): ChartSpec {
  const choices = ['DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'];
  const result = { answered: 23, right: 14, fastest: [], picks: [3, 5, 14, 1] };
  return picksChart(choices, { order: [0, 1, 2, 3], correct: 2 }, result) as ChartSpec;
}
