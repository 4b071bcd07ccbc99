/**
 * Charts as data. The engine puts a {@link ChartSpec} into a view; rendering it to a picture
 * (src/charts) happens outside the engine, in the adapters, so the engine stays free of file I/O
 * and native modules. The view's text stays the full answer: the chart is an extra.
 */

/** A calendar heatmap: a value per local day (`YYYY-MM-DD`) over a range of days. */
export interface CalendarPanel {
  kind: 'calendar';
  /** Panel heading. */
  title: string;
  /** First and last day shown, inclusive. */
  range: [from: string, to: string];
  /** Days with a value; days left out count as 0. */
  days: [day: string, value: number][];
}

/** Vertical bars, one per label. */
export interface BarsPanel {
  kind: 'bars';
  /** Panel heading. */
  title: string;
  /** Bar labels, in order. */
  labels: string[];
  /** One value per label. */
  values: number[];
  /** Indexes of bars drawn in the accent colour (the caller, the right answer). */
  highlight?: number[];
  /** Name of the value axis, e.g. `cards`. */
  unit?: string;
}

/** A line over labelled points; null is a gap (no data that day). */
export interface LinePanel {
  kind: 'line';
  /** Panel heading. */
  title: string;
  /** Point labels, in order. */
  labels: string[];
  /** One value per label, or null for none. */
  values: (number | null)[];
  /** Value axis range. */
  min?: number;
  /** Value axis range. */
  max?: number;
  /** Name of the value axis, e.g. `%`. */
  unit?: string;
}

/** One panel of a chart; panels are stacked top to bottom. */
export type ChartPanel = CalendarPanel | BarsPanel | LinePanel;

/** A chart a view carries: panels stacked into one picture. */
export interface ChartSpec {
  /** File name stem (`a-z 0-9 -`), e.g. `stats`; the picture is `<name>.png`. */
  name: string;
  /** Short description for screen readers and where the picture cannot be shown. */
  alt: string;
  /** Panels, top to bottom (at least one). */
  panels: ChartPanel[];
}
