/**
 * Runs synchronous jobs one at a time, each in its own turn of the event loop, so timers and I/O
 * run between them. Why: ECharts draws SVG synchronously (~30 ms a chart) and PNG encoding is
 * synchronous too. Fifty `/stats` whose Redis replies arrive in one read resume together as
 * microtasks; drawn back to back they held the loop for the whole batch, so no handler's deferral
 * timer could fire and every answer missed Discord's 3 s. One job per turn lets a deferral go out
 * between two pictures; the total work is the same.
 */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `job` after every job queued before it, in a later turn of the loop. */
  run<T>(job: () => T): Promise<T> {
    const next = this.tail.then(
      () =>
        new Promise<T>((resolve, reject) => {
          // An immediate queued while the loop runs immediates waits for the next iteration,
          // whose timers phase comes first.
          setImmediate(() => {
            try {
              resolve(job());
            } catch (err) {
              reject(err);
            }
          });
        }),
    );
    this.tail = next.catch(() => {});
    return next;
  }
}
