import type { BarsPanel, CalendarPanel, ChartPanel, LinePanel } from '../engine/charts.js';

/** The one font the pictures use (bundled, see font.ts), so text looks the same on every machine. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Colours of the pictures: light background, one base colour and one accent. */
export const PALETTE = {
  background: '#ffffff',
  text: '#23272f',
  muted: '#6b7280',
  base: '#5865f2',
  accent: '#f59e0b',
  heat: ['#ebedf0', '#9be9a8', '#40c463', '#30a14e', '#216e39'],
} as const;

/** Height in pixels of each kind of panel (the width is the chart's). */
export const PANEL_HEIGHT: Record<ChartPanel['kind'], number> = { calendar: 210, bars: 280, line: 230 };

/** An ECharts option object (kept loose: ECharts' own option types are very wide). */
export type EChartsOption = Record<string, unknown>;

const textStyle = { fontFamily: FONT_FAMILY, color: PALETTE.text };

function titleOf(text: string): EChartsOption {
  return { text, left: 16, top: 8, textStyle: { ...textStyle, fontSize: 15, fontWeight: 'bold' } };
}

function calendarOption(p: CalendarPanel): EChartsOption {
  const max = Math.max(1, ...p.days.map(([, v]) => v));
  return {
    title: titleOf(p.title),
    visualMap: {
      min: 0,
      max,
      type: 'piecewise',
      orient: 'horizontal',
      right: 16,
      top: 8,
      pieces: heatPieces(max),
      itemWidth: 12,
      itemHeight: 12,
      textStyle: { ...textStyle, fontSize: 11 },
    },
    calendar: {
      range: p.range,
      top: 62,
      left: 48,
      right: 16,
      cellSize: ['auto', 16],
      splitLine: { show: false },
      itemStyle: { color: PALETTE.heat[0], borderColor: PALETTE.background, borderWidth: 2 },
      dayLabel: { firstDay: 1, nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'], ...textStyle, fontSize: 10 },
      monthLabel: { ...textStyle, fontSize: 11 },
      yearLabel: { show: false },
    },
    series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: p.days }],
  };
}

/** Five buckets: none, then four equal steps up to the maximum (at least 1 apart). */
function heatPieces(max: number): EChartsOption[] {
  const step = Math.max(1, Math.ceil(max / 4));
  const pieces: EChartsOption[] = [{ value: 0, label: '0', color: PALETTE.heat[0] }];
  for (let i = 0; i < 4; i++) {
    const lo = 1 + i * step;
    const hi = i === 3 ? Number.MAX_SAFE_INTEGER : (i + 1) * step;
    const label = i === 3 ? `${lo}+` : lo === hi ? String(lo) : `${lo}–${hi}`;
    pieces.push({ gte: lo, lte: hi, label, color: PALETTE.heat[i + 1] });
  }
  return pieces;
}

function axes(labels: string[], unit: string | undefined, extra: EChartsOption = {}): EChartsOption {
  return {
    grid: { left: 56, right: 24, top: 64, bottom: 40 },
    xAxis: {
      type: 'category',
      data: labels,
      // Few labels (a leaderboard, a round's choices): every one, cut to its slot; many (days): skip some.
      axisLabel:
        labels.length <= 12
          ? {
              ...textStyle,
              fontSize: 11,
              interval: 0,
              width: Math.floor(700 / labels.length) - 8,
              overflow: 'truncate',
            }
          : { ...textStyle, fontSize: 11, hideOverlap: true },
      axisTick: { alignWithLabel: true },
    },
    yAxis: {
      type: 'value',
      name: unit ?? '',
      nameTextStyle: { ...textStyle, color: PALETTE.muted },
      minInterval: 1,
      axisLabel: { ...textStyle, color: PALETTE.muted, fontSize: 11 },
      splitLine: { lineStyle: { color: '#e5e7eb' } },
      ...extra,
    },
  };
}

function barsOption(p: BarsPanel): EChartsOption {
  const highlight = new Set(p.highlight ?? []);
  const data = p.values.map((value, i) => ({
    value,
    itemStyle: { color: highlight.has(i) ? PALETTE.accent : PALETTE.base, borderRadius: [3, 3, 0, 0] },
  }));
  return {
    title: titleOf(p.title),
    ...axes(p.labels, p.unit),
    series: [
      {
        type: 'bar',
        data,
        barMaxWidth: 48,
        label: { show: p.labels.length <= 12, position: 'top', ...textStyle, fontSize: 11 },
      },
    ],
  };
}

function lineOption(p: LinePanel): EChartsOption {
  const range: EChartsOption = {};
  if (p.min !== undefined) range.min = p.min;
  if (p.max !== undefined) range.max = p.max;
  return {
    title: titleOf(p.title),
    ...axes(p.labels, p.unit, range),
    series: [
      {
        type: 'line',
        data: p.values,
        connectNulls: true,
        symbolSize: 5,
        lineStyle: { color: PALETTE.base, width: 2 },
        itemStyle: { color: PALETTE.base },
      },
    ],
  };
}

/** The ECharts option of one panel (no animation: one static frame is rendered). */
export function panelOption(p: ChartPanel): EChartsOption {
  const body = p.kind === 'calendar' ? calendarOption(p) : p.kind === 'bars' ? barsOption(p) : lineOption(p);
  return { animation: false, backgroundColor: PALETTE.background, textStyle, ...body };
}
