import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { compileChild } from './child.js';
import type { BenchContext } from './context.js';
import { deployedNodeOptions } from './deployment.js';
import { ROOT } from './fixtures.js';
import { info, type SectionResult, target } from './report.js';
import { median, spread, summarize } from './stats.js';

const run = promisify(execFile);

interface ChildResult {
  coldMs: number;
  statsMs: number[];
  boardMs: number[];
  svgMs: number[];
  burst: number[];
  burstMs: number;
  rssBeforeMb: number;
  rssLoadedMb: number;
  rssAfterMb: number;
  rssSettledMb: number;
  maxRssMb: number;
}

/**
 * Charts as images: render time of the `/stats` chart (heatmap, forecast, recall line; 800×720)
 * and of a 10-player leaderboard (800×280), and the resident memory the renderer adds to a
 * process. Each run is a fresh child process, so module loading and font parsing count once.
 */
export async function chartsSection(ctx: BenchContext): Promise<SectionResult> {
  const renders = ctx.quick ? 15 : 100;
  const concurrency = 16;
  const child = await compileChild('charts-child');
  // The renderer's memory as deployed: the bot runs with the deployment's heap limits.
  const nodeOptions = deployedNodeOptions();
  const results: ChildResult[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ctx.progress.step(`charts: run ${i + 1}/${ctx.runs}, ${renders} renders of each chart`);
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', ...child.args, JSON.stringify({ renders, concurrency })],
      { cwd: ROOT, maxBuffer: 16 * 1_048_576, env: { ...process.env, NODE_OPTIONS: nodeOptions } },
    );
    results.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildResult);
  }
  const med = (f: (r: ChildResult) => number) => median(results.map(f));
  const stats = results.map((r) => summarize(r.statsMs));
  const board = results.map((r) => summarize(r.boardMs));
  const svg = results.map((r) => summarize(r.svgMs));
  const burst = results.map((r) => summarize(r.burst));
  const p50 = median(stats.map((s) => s.p50));
  const p99 = median(stats.map((s) => s.p99));
  return {
    title: '9. Charts as images (ECharts SVG + resvg PNG)',
    rows: [
      info('charts: /stats chart render p50', p50, 'ms', spread(stats.map((s) => s.p50))),
      // A chart slower than the deferral deadline (2 s) is still delivered (defer, then edit), but late.
      target('charts: /stats chart render p99', p99, 'ms', '<=', 2000, spread(stats.map((s) => s.p99))),
      info('charts: leaderboard chart render p50', median(board.map((s) => s.p50)), 'ms'),
      info('charts: leaderboard chart render p99', median(board.map((s) => s.p99)), 'ms'),
      info('charts: /stats SVG step (blocks the event loop) p50', median(svg.map((s) => s.p50)), 'ms'),
      info(`charts: /stats render p99, ${concurrency} at once`, median(burst.map((s) => s.p99)), 'ms'),
      info(
        'charts: first render in a process (load, font parse)',
        med((r) => r.coldMs),
        'ms',
      ),
      target(
        'charts: RSS added by the renderer, settled',
        med((r) => r.rssSettledMb - r.rssBeforeMb),
        'MB',
        '<=',
        150,
      ),
      info(
        'charts: RSS added at peak',
        med((r) => r.maxRssMb - r.rssBeforeMb),
        'MB',
      ),
    ],
    notes: [
      `Machine load average when the section ran: ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores (render times scale with it; CPU time per render is far lower on an idle machine).`,
      `Each of ${ctx.runs} runs is a fresh node process (${child.how}) that renders the /stats chart (a 6-month heatmap, a 30-day forecast and a 12-week recall line, 800×720 px) and a 10-player leaderboard (800×280 px) ${renders} times each, one after another, then ${concurrency} /stats charts at once. Figures are medians over runs.`,
      'The SVG step (ECharts server-side rendering) runs on the event loop; the PNG step (resvg) runs on the libuv pool, so a burst of charts queues there without stalling other requests. Adapters answer with text and defer when a chart is not ready within the deferral deadline (Discord), or send the picture after the text (Slack).',
      `RSS added = resident memory after loading ECharts, resvg and the font and rendering, minus the process before loading them (after a GC); peak = the process maximum RSS minus the same base. The child runs with the deployment's NODE_OPTIONS (\`${nodeOptions}\`, deploy/k8s/config.env) and is compiled with code splitting, so the renderer's modules load after the base is taken, as the bot loads them at its first chart.`,
    ],
  };
}
