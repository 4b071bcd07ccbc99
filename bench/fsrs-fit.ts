import { compileChild, startChild } from './child.js';
import type { BenchContext } from './context.js';
import { notMeasured, type SectionResult, target } from './report.js';

interface FitResult {
  unavailable?: true;
  reviews: number;
  trainItems: number;
  testItems: number;
  prepareMs: number;
  fitMs: number;
  evaluateMs: number;
  totalMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
  before: { logLoss: number };
  after: { logLoss: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * 10. FSRS fit: time and peak RSS of one team's fit at 10,000 and 100,000 reviews, each run in a
 * fresh child process (so its peak RSS is the fit's, not the bench's).
 */
export async function fsrsFitSection(ctx: BenchContext): Promise<SectionResult> {
  const command = await compileChild('fsrs-fit-child');
  const rows: SectionResult['rows'] = [];
  const notes: string[] = [];
  for (const reviews of [10_000, 100_000]) {
    const runs: FitResult[] = [];
    const n = reviews > 10_000 ? Math.min(ctx.runs, 3) : ctx.runs;
    for (let i = 0; i < n; i++) {
      ctx.progress.step(`FSRS fit of ${reviews} reviews, run ${i + 1}/${n}`);
      const child = startChild(command, { reviews, seed: 11 + i }, { timeoutMs: 120_000 });
      runs.push((await child.result) as FitResult);
    }
    if (runs[0]?.unavailable) {
      rows.push(notMeasured(`fit of ${reviews} reviews`, 'ms', 'the native optimizer does not load here'));
      continue;
    }
    const k = `${reviews / 1000}k`;
    rows.push(
      target(
        `fit ${k} reviews: total (parse, split, fit, evaluate), median`,
        median(runs.map((r) => r.totalMs)),
        'ms',
        '<=',
        reviews > 10_000 ? 5_000 : 1_000,
      ),
    );
    rows.push(
      target(
        `fit ${k} reviews: fit (to binding objects + computeParameters), median`,
        median(runs.map((r) => r.fitMs)),
        'ms',
        '<=',
        reviews > 10_000 ? 4_000 : 800,
      ),
    );
    rows.push(
      target(
        `fit ${k} reviews: peak RSS of the process, median`,
        median(runs.map((r) => r.peakRssMb)),
        'MB',
        '<=',
        reviews > 10_000 ? 600 : 300,
      ),
    );
    rows.push(
      target(
        `fit ${k} reviews: peak RSS above the process before the fit, median`,
        median(runs.map((r) => r.peakRssMb - r.rssBeforeMb)),
        'MB',
        '<=',
        reviews > 10_000 ? 400 : 150,
      ),
    );
    const r0 = runs[0] as FitResult;
    notes.push(
      `${reviews} reviews: ${r0.trainItems} training and ${r0.testItems} held-out items; prepare ${r0.prepareMs.toFixed(0)} ms, computeParameters ${r0.fitMs.toFixed(0)} ms, two evaluations ${r0.evaluateMs.toFixed(0)} ms; held-out log loss ${r0.before.logLoss.toFixed(4)} (defaults) -> ${r0.after.logLoss.toFixed(4)} (fitted).`,
    );
  }
  notes.unshift(
    `Each run is a fresh child (${command.how}) that simulates a team log of that many reviews (16-280 users x 40 cards over 180 days, seeded), then does what the fit job does for one scope. Peak RSS is the child's maxRSS, so it includes the simulated log (the baseline before the fit is subtracted in the second RSS figure). Fit time is on the libuv pool, off the event loop; parsing and splitting run on it.`,
  );
  return { title: '10. FSRS fit of one team', rows, notes };
}
