import { describe, expect, it } from 'vitest';
import { ChartsUnavailable, lazyChartRenderer, pictureOf } from '../../src/charts/picture.js';
import type { ChartImage, ChartRenderer } from '../../src/charts/render.js';
import type { Logger } from '../../src/engine/api.js';
import type { View } from '../../src/engine/views.js';
import { sampleStatsChart } from './fixtures.js';

/** A logger that keeps its warnings. */
function warnings(): { log: Logger; seen: string[] } {
  const seen: string[] = [];
  const log: Logger = { error() {}, warn: (_o, msg) => seen.push(msg), info() {}, debug() {} };
  return { log, seen };
}

const image: ChartImage = {
  fileName: 'stats.png',
  png: Buffer.from('png'),
  width: 1,
  height: 1,
  alt: 'Your stats',
};
const view: View = { text: 'Your stats', private: true, chart: sampleStatsChart() };

describe('the chart renderer, loaded at the first chart', () => {
  it('loads nothing until a chart is asked for, then loads once for every chart after', async () => {
    let loads = 0;
    const render: ChartRenderer = async (spec) => ({ ...image, fileName: `${spec.name}.png` });
    const { log, seen } = warnings();
    const charts = lazyChartRenderer(log, async () => {
      loads++;
      return render;
    });
    expect(loads).toBe(0);
    // Two charts at once while it loads, then one more: one load.
    const [a, b] = await Promise.all([pictureOf(view, charts, log, {}), pictureOf(view, charts, log, {})]);
    expect(await pictureOf(view, charts, log, {})).toEqual(a);
    expect(a?.fileName).toBe('stats.png');
    expect(b).toEqual(a);
    expect(loads).toBe(1);
    expect(seen).toEqual([]);
  });

  it('a renderer that cannot load is logged once, and every chart is left out (text only)', async () => {
    let loads = 0;
    const { log, seen } = warnings();
    const charts = lazyChartRenderer(log, async () => {
      loads++;
      throw new Error('resvg: cannot open shared object file');
    });
    expect(await pictureOf(view, charts, log, {})).toBeNull();
    expect(await pictureOf(view, charts, log, {})).toBeNull();
    await expect(charts(sampleStatsChart())).rejects.toBeInstanceOf(ChartsUnavailable);
    expect(loads).toBe(1);
    expect(seen).toEqual(['charts unavailable (renderer or font failed to load); answering with text only']);
  });

  it('a chart that fails to draw is logged each time; the renderer stays loaded', async () => {
    let loads = 0;
    const { log, seen } = warnings();
    const charts = lazyChartRenderer(log, async () => {
      loads++;
      return async () => {
        throw new Error('bad spec');
      };
    });
    expect(await pictureOf(view, charts, log, {})).toBeNull();
    expect(await pictureOf(view, charts, log, {})).toBeNull();
    expect(loads).toBe(1);
    expect(seen).toEqual([
      'chart rendering failed; answering with text only',
      'chart rendering failed; answering with text only',
    ]);
  });

  it('the real renderer loads on first use and draws a PNG', async () => {
    const { log, seen } = warnings();
    const img = await pictureOf(view, lazyChartRenderer(log), log, {});
    expect(img?.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(seen).toEqual([]);
  });
});
