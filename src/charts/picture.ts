import type { Logger } from '../engine/api.js';
import type { View } from '../engine/views.js';
import type { ChartImage, ChartRenderer } from './render.js';

/**
 * The picture of a view's chart, or null when the view has none, no renderer is configured, or
 * rendering failed (logged): the view's text is the whole answer, so a chart never costs the reply.
 */
export async function pictureOf(
  view: View,
  charts: ChartRenderer | undefined,
  log: Logger,
  where: object,
): Promise<ChartImage | null> {
  if (!view.chart || !charts) return null;
  try {
    return await charts(view.chart);
  } catch (err) {
    log.warn({ ...where, err, chart: view.chart.name }, 'chart rendering failed; answering with text only');
    return null;
  }
}

/**
 * Loads the renderer (ECharts and the resvg native module) once, or returns undefined with one
 * warning when it cannot load: the bot then answers with text only.
 */
export async function loadChartRenderer(log: Logger): Promise<ChartRenderer | undefined> {
  try {
    const { renderChart } = await import('./render.js');
    const { fontFiles } = await import('./font.js');
    fontFiles();
    return renderChart;
  } catch (err) {
    log.warn({ err }, 'charts unavailable (renderer or font failed to load); answering with text only');
    return undefined;
  }
}
