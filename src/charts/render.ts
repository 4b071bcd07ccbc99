import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { CalendarComponent, GridComponent, TitleComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartPanel, ChartSpec } from '../engine/charts.js';
import { fontFiles } from './font.js';
import { FONT_FAMILY, PALETTE, PANEL_HEIGHT, panelOption } from './options.js';
import { resvg } from './resvg.js';
import { Turns } from './turns.js';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  CalendarComponent,
  GridComponent,
  TitleComponent,
  VisualMapComponent,
  SVGRenderer,
]);

// Loaded with this module (which the bot imports at its first chart): a resvg that cannot load
// fails that import, which the lazy renderer logs once (picture.ts).
const { renderAsync } = resvg();

/** Width of every picture in CSS pixels; chat clients scale it down to fit. */
export const CHART_WIDTH = 800;

/** A rendered chart. */
export interface ChartImage {
  /** `<name>.png`. */
  fileName: string;
  /** PNG bytes. */
  png: Buffer;
  /** Size in pixels (the PNG's own, as resvg reports it). */
  width: number;
  height: number;
  /** Alt text, from the spec. */
  alt: string;
}

/** Turns a chart spec into a picture; adapters take this port so tests may pass their own. */
export type ChartRenderer = (spec: ChartSpec) => Promise<ChartImage>;

/** Pixel height of a chart of these panels. */
export function chartHeight(panels: ChartPanel[]): number {
  return panels.reduce((h, p) => h + PANEL_HEIGHT[p.kind], 0);
}

/** One panel as a standalone SVG document (ECharts server-side rendering, no DOM). */
export function panelSvg(panel: ChartPanel, width = CHART_WIDTH): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width,
    height: PANEL_HEIGHT[panel.kind],
  });
  try {
    chart.setOption(panelOption(panel));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The whole chart as one SVG: each panel's SVG nested at its offset. */
export function chartSvg(spec: ChartSpec, width = CHART_WIDTH): string {
  if (spec.panels.length === 0) throw new RangeError(`chart ${spec.name} has no panel`);
  let y = 0;
  const parts = spec.panels.map((p) => {
    const inner = panelSvg(p, width).replace(/^<svg\b/, `<svg x="0" y="${y}"`);
    y += PANEL_HEIGHT[p.kind];
    return inner;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">` +
    `<rect width="100%" height="100%" fill="${PALETTE.background}"/>${parts.join('')}</svg>`
  );
}

let fonts: string[] | undefined;
/** The synchronous steps of every render in the process, one per turn of the event loop. */
const turns = new Turns();

/**
 * Renders a chart spec to PNG: ECharts draws SVG, resvg rasterises it on the libuv pool with the
 * bundled font only. Drawing the SVG (the long synchronous step) takes turns with every other
 * render, so many charts at once never hold the event loop for the whole batch.
 */
export const renderChart: ChartRenderer = async (spec) => {
  fonts ??= fontFiles();
  const svg = await turns.run(() => chartSvg(spec));
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles: fonts, defaultFontFamily: FONT_FAMILY },
    background: PALETTE.background,
    fitTo: { mode: 'original' },
  });
  return {
    fileName: `${spec.name}.png`,
    // Encoding is a few ms and finishes a picture someone waits for: not queued behind other SVGs.
    png: image.asPng(),
    width: image.width,
    height: image.height,
    alt: spec.alt,
  };
};
