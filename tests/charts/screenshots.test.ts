import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshotSpecs } from '../../scripts/chart-samples.js';
import { renderChart } from '../../src/charts/render.js';
import { decodePng } from '../helpers/png.js';

describe('README chart screenshots', () => {
  it('are the pictures scripts/chart-screenshots.ts makes now (run `npm run charts:screenshots` after a change)', async () => {
    for (const spec of screenshotSpecs()) {
      const img = await renderChart(spec);
      const committed = readFileSync(join(import.meta.dirname, '../../docs/charts', img.fileName));
      const a = decodePng(committed);
      const b = decodePng(img.png);
      expect([a.width, a.height], img.fileName).toEqual([b.width, b.height]);
      expect(committed.equals(img.png), `${img.fileName} is stale`).toBe(true);
      expect(committed.length).toBeLessThan(100_000);
    }
  });
});
