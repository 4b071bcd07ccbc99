/** Small statistics helpers: percentiles of one run, medians over runs. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Median of values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return Number.NaN;
  const sorted = [...v].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Distribution-free ~95% confidence interval of the median (order statistics, normal
 * approximation of the binomial): [NaN, NaN] below 6 values, where it says nothing.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n < 6) return [Number.NaN, Number.NaN];
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  return [v[k] as number, v[n - 1 - k] as number];
}

/** Latency summary of one run, in ms. */
export interface LatencySummary {
  /** Samples. */
  n: number;
  /** Median. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest. */
  max: number;
}

/** p50 / p99 / max of latency samples in ms. */
export function summarize(samples: readonly number[]): LatencySummary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}

/** `min–max` spread of run values, for the notes (shows how noisy the machine was). */
export function spread(values: readonly number[], digits = 2): string {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return 'n/a';
  return `${round(Math.min(...v), digits)}–${round(Math.max(...v), digits)}`;
}

/** Rounds to `digits` decimals (big values keep fewer decimals). */
export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const d = Math.abs(x) >= 1000 ? 0 : Math.abs(x) >= 100 ? Math.min(digits, 1) : digits;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
