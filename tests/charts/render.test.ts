import { describe, expect, it } from 'vitest';
import { PALETTE } from '../../src/charts/options.js';
import { CHART_WIDTH, chartHeight, chartSvg, renderChart } from '../../src/charts/render.js';
import { leaderboardChart } from '../../src/engine/leaderboard.js';
import { decodePng } from '../helpers/png.js';
import { sampleStatsChart } from './fixtures.js';

describe('chart rendering (ECharts SVG -> resvg PNG)', () => {
  it('renders /stats as a valid PNG of the expected size with all three panels drawn', async () => {
    const spec = sampleStatsChart();
    const img = await renderChart(spec);
    expect(img.fileName).toBe('stats.png');
    expect([img.width, img.height]).toEqual([CHART_WIDTH, chartHeight(spec.panels)]);
    const png = decodePng(img.png);
    expect([png.width, png.height]).toEqual([img.width, img.height]);
    expect(png.inked).toBeGreaterThan(0.05);
    expect(png.colours).toBeGreaterThan(20); // anti-aliased text and shapes, not a flat fill
    // Heatmap cells of several strengths, forecast bars in the base colour.
    expect(PALETTE.heat.filter((c) => png.count(c) > 50).length).toBeGreaterThanOrEqual(4);
    expect(png.count(PALETTE.base)).toBeGreaterThan(2_000);
  });

  it('draws the caller in the accent colour on a leaderboard', async () => {
    const top = [
      { userId: 'u1', name: 'Ada', points: 45, rank: 1 },
      { userId: 'u2', name: null, points: 30, rank: 2 },
      { userId: 'u3', name: 'Grace', points: 30, rank: 2 },
    ];
    const withMe = decodePng((await renderChart(leaderboardChart('Leaderboard', top, 'u3'))).png);
    const without = decodePng((await renderChart(leaderboardChart('Leaderboard', top, 'nobody'))).png);
    expect(withMe.count(PALETTE.accent)).toBeGreaterThan(500);
    expect(without.count(PALETTE.accent)).toBe(0);
  });

  it('renders text with the bundled font (text pixels present, no system font needed)', async () => {
    // Same chart with and without its titles: the difference is text drawn by the bundled font.
    const spec = leaderboardChart(
      'A fairly long title for the test',
      [{ userId: 'u', name: 'X', points: 1, rank: 1 }],
      'u',
    );
    const blank = { ...spec, panels: spec.panels.map((p) => ({ ...p, title: '' })) };
    const a = decodePng((await renderChart(spec)).png);
    const b = decodePng((await renderChart(blank)).png);
    expect(a.count(PALETTE.text)).toBeGreaterThan(b.count(PALETTE.text) + 50);
  });

  it('escapes text from users in the SVG (a name cannot break the picture)', async () => {
    const top = [{ userId: 'u', name: '</text><script>&"\'', points: 3, rank: 1 }];
    const spec = leaderboardChart('Board <&>', top, 'u');
    expect(chartSvg(spec)).not.toContain('<script>');
    const png = decodePng((await renderChart(spec)).png);
    expect(png.count(PALETTE.accent)).toBeGreaterThan(500);
  });

  it('refuses a chart without panels', async () => {
    await expect(renderChart({ name: 'x', alt: 'x', panels: [] })).rejects.toThrow(/no panel/);
  });
});
