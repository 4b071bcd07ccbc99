/**
 * Child of the charts bench: measures in a fresh process how long a chart takes to render and how
 * much resident memory the renderer adds. Prints one JSON line on stdout. Run with --expose-gc.
 */
import { performance } from 'node:perf_hooks';

const { renders, concurrency } = JSON.parse(process.argv[2] ?? '{}') as {
  renders: number;
  concurrency: number;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => n / 1_048_576;
gc();
const rssBefore = process.memoryUsage().rss;

const { renderChart, chartSvg } = await import('../src/charts/render.js');
const { leaderboardChart } = await import('../src/engine/leaderboard.js');
const { sampleStatsChart } = await import('../tests/charts/fixtures.js');

const stats = sampleStatsChart();
const board = leaderboardChart(
  'Leaderboard · week 2026-W49',
  Array.from({ length: 10 }, (_, i) => ({
    userId: `u${i}`,
    name: `Player ${i + 1}`,
    points: 100 - 7 * i,
    rank: i + 1,
  })),
  'u3',
);
const coldStart = performance.now();
await renderChart(stats);
const coldMs = performance.now() - coldStart;
gc();
const rssLoaded = process.memoryUsage().rss;

async function timed(spec: typeof stats, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await renderChart(spec);
    out.push(performance.now() - t);
  }
  return out;
}

const statsMs = await timed(stats, renders);
const boardMs = await timed(board, renders);
const svgMs: number[] = [];
for (let i = 0; i < renders; i++) {
  const t = performance.now();
  chartSvg(stats);
  svgMs.push(performance.now() - t);
}
// Many at once: the PNG step runs on the libuv pool, the SVG step on the event loop.
const burst: number[] = [];
const burstStart = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    const t = performance.now();
    await renderChart(stats);
    burst.push(performance.now() - t);
  }),
);
const burstMs = performance.now() - burstStart;
const rssAfter = process.memoryUsage().rss;
gc();
process.stdout.write(
  `${JSON.stringify({
    coldMs,
    statsMs,
    boardMs,
    svgMs,
    burst,
    burstMs,
    rssBeforeMb: mb(rssBefore),
    rssLoadedMb: mb(rssLoaded),
    rssAfterMb: mb(rssAfter),
    rssSettledMb: mb(process.memoryUsage().rss),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
