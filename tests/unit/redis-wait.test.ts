import { describe, expect, it } from 'vitest';
import { noWait, waitFor } from '../../src/store/redis/wait.js';

describe('REDIS_WAIT_REPLICAS policy', () => {
  it('is off at 0 replicas', () => {
    expect(waitFor(0)).toBe(noWait);
    expect(noWait.active()).toBe(false);
  });

  it('pauses after a short WAIT (a shard without replica would block its connection), then waits again', () => {
    let t = 1_000;
    const short: [string, number][] = [];
    const w = waitFor(1, { pauseMs: 5_000, now: () => t, onShort: (what, n) => short.push([what, n]) });
    expect(w.active()).toBe(true);
    w.check('answer', 1);
    expect(w.active()).toBe(true);
    w.check('grade', 0);
    expect(short).toEqual([['grade', 0]]);
    expect(w.active()).toBe(false);
    t += 4_999;
    expect(w.active()).toBe(false);
    t += 1;
    expect(w.active()).toBe(true);
    w.check('answer', 'garbage');
    expect(short.at(-1)).toEqual(['answer', 0]);
  });
});
