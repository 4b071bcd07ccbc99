import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/charts/turns.js';

/** Holds the thread like a synchronous SVG render does (longer than a timer's 1 ms minimum). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe('Turns: synchronous jobs one per turn of the event loop', () => {
  it('lets a timer due meanwhile run between two jobs, where a plain batch would hold it to the end', async () => {
    const turns = new Turns();
    const events: string[] = [];
    setTimeout(() => events.push('timer'), 0);
    await Promise.all(
      [1, 2, 3].map((i) =>
        turns.run(() => {
          busy(3);
          events.push(`job${i}`);
        }),
      ),
    );
    expect(events.filter((e) => e.startsWith('job'))).toEqual(['job1', 'job2', 'job3']);
    // The timer already ran, and before the second job: the loop had a turn between the jobs.
    expect(events).toContain('timer');
    expect(events.indexOf('timer')).toBeLessThan(events.indexOf('job2'));
  });

  it('returns each job result and rejects only the job that threw; later jobs still run', async () => {
    const turns = new Turns();
    const a = turns.run(() => 1);
    const b = turns.run(() => {
      throw new Error('broken chart');
    });
    const c = turns.run(() => 3);
    await expect(a).resolves.toBe(1);
    await expect(b).rejects.toThrow('broken chart');
    await expect(c).resolves.toBe(3);
  });
});
