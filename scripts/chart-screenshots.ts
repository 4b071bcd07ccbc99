/**
 * Writes the README's chart screenshots (docs/charts/*.png) from fixed sample data, through the
 * same renderer the bot uses: `npm run charts:screenshots`. The test tests/charts/screenshots.test.ts
 * fails when the committed pictures are no longer what this script makes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from '../src/charts/render.js';
import { screenshotSpecs } from './chart-samples.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'charts');
mkdirSync(out, { recursive: true });
for (const spec of screenshotSpecs()) {
  const img = await renderChart(spec);
  writeFileSync(join(out, img.fileName), img.png);
  process.stdout.write(`docs/charts/${img.fileName}: ${img.width}×${img.height}, ${img.png.length} bytes\n`);
}
