import type { Logger } from '../engine/api.js';
import type { View } from '../engine/views.js';
import type { ChartImage, ChartRenderer } from './render.js';

/** What a lazy renderer's charts fail with once its renderer could not load (logged once, at the load). */
export class ChartsUnavailable extends Error {
  constructor() {
    super('charts unavailable');
    this.name = 'ChartsUnavailable';
  }
}

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
    if (!(err instanceof ChartsUnavailable))
      log.warn({ ...where, err, chart: view.chart.name }, 'chart rendering failed; answering with text only');
    return null;
  }
}

/** Imports the renderer (ECharts and the resvg native module) and checks its fonts. */
async function loadRenderer(): Promise<ChartRenderer> {
  const { renderChart } = await import('./render.js');
  const { fontFiles } = await import('./font.js');
  fontFiles();
  return renderChart;
}

/**
 * The chart renderer, loaded on first use rather than at start: ECharts and the resvg native module
 * are the largest modules the bot loads, and a process whose users ask for no chart never pays for
 * them (start-up time and idle memory, bench section 12). The first chart waits for the load, which
 * the adapters' deferral covers. A renderer that cannot load is logged once, with why; every chart
 * after it is left out (text only), as if none were configured.
 */
export function lazyChartRenderer(
  log: Logger,
  load: () => Promise<ChartRenderer> = loadRenderer,
): ChartRenderer {
  let loaded: Promise<ChartRenderer> | undefined;
  return (spec) => {
    loaded ??= load().catch((err: unknown) => {
      log.warn({ err }, 'charts unavailable (renderer or font failed to load); answering with text only');
      throw new ChartsUnavailable();
    });
    return loaded.then((render) => render(spec));
  };
}
