/**
 * Bench child: fits FSRS weights to a simulated team log of N reviews, as the fit job does (parse
 * the log, build the histories and the held-out split, fit, evaluate old and new weights), and
 * reports time and memory. Config (argv JSON): `{ reviews: number, seed: number }`.
 */

import { silentLogger } from '../src/engine/api.js';
import { cardHistories, fitDataset } from '../src/engine/fsrs/dataset.js';
import { parseTeamReview, type TeamReview } from '../src/engine/fsrs/log.js';
import { DEFAULT_W } from '../src/engine/fsrs/params.js';
import { loadOptimizer } from '../src/fsrs/optimizer.js';
import { simulateTeam } from '../tests/helpers/fsrs-sim.js';

const { reviews, seed } = JSON.parse(process.argv[2] ?? '{}') as { reviews: number; seed: number };
const optimizer = await loadOptimizer(silentLogger);
if (!optimizer) {
  process.stdout.write(`RESULT ${JSON.stringify({ unavailable: true })}\n`);
  process.exit(0);
}
// About 9.4 reviews per user and card over 180 days; the newest `reviews` are kept, as the log's cap would.
const users = Math.ceil(reviews / (9 * 40));
const lines = simulateTeam({ seed, users, cards: 40, days: 180 })
  .slice(-reviews)
  .reverse()
  .map((r) => r.line);
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const parsed = lines.map(parseTeamReview).filter((r): r is TeamReview => r !== null);
const ds = fitDataset(cardHistories(parsed));
const t1 = performance.now();
const w = await optimizer.fit(ds.train);
const t2 = performance.now();
const before = await optimizer.evaluate(DEFAULT_W, ds.test);
const after = await optimizer.evaluate(w, ds.test);
const t3 = performance.now();
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `RESULT ${JSON.stringify({
    reviews: lines.length,
    trainItems: ds.train.length,
    testItems: ds.test.length,
    prepareMs: t1 - t0,
    fitMs: t2 - t1,
    evaluateMs: t3 - t2,
    totalMs: t3 - t0,
    rssBeforeMb: rssBefore / 2 ** 20,
    peakRssMb: peak / 2 ** 20,
    before,
    after,
  })}\n`,
);
