/** Options of {@link startRepeating}. */
export interface RepeatOptions {
  /** One run; a failure is handed to `onError` and the next run comes as usual. */
  run: () => Promise<unknown>;
  /** Time between runs (ms). */
  intervalMs: number;
  /** Delay of the first run after start (ms), so a start-up is not slowed by it. */
  firstMs: number;
  /** A run failed. */
  onError: (err: unknown) => void;
}

/**
 * Runs a background job every `intervalMs` in this process, never two runs at once (a run still
 * going skips the tick). Timers are unref'd; `stop` waits for a run in progress.
 */
export function startRepeating(o: RepeatOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = o
      .run()
      .catch(o.onError)
      .finally(() => {
        running = undefined;
      });
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, o.intervalMs);
    interval.unref();
  }, o.firstMs);
  first.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running;
    },
  };
}
