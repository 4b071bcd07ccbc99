import { describe, expect, it } from 'vitest';
import { WeightsCache } from '../../src/store/redis/weights-cache.js';

describe('WeightsCache (teams fitted FSRS weights kept a short while per process)', () => {
  it('keeps weights (or null: the defaults) until the TTL runs out', () => {
    let now = 1_000;
    const c = new WeightsCache(60_000, () => now);
    expect(c.get('t1\nk8s')).toBeUndefined();
    c.set('t1\nk8s', [1, 2]);
    c.set('t2\nk8s', null);
    now += 59_999;
    expect(c.get('t1\nk8s')).toEqual([1, 2]);
    expect(c.get('t2\nk8s')).toBeNull();
    now += 1;
    expect(c.get('t1\nk8s')).toBeUndefined();
    expect(c.get('t2\nk8s')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('full, it drops the oldest entry, not all of them; a key set again is the newest', () => {
    const c = new WeightsCache(60_000, () => 0, 3);
    c.set('a', [1]);
    c.set('b', [2]);
    c.set('c', [3]);
    c.set('a', [4]); // a is now the newest: b is the oldest
    c.set('d', [5]);
    expect(c.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((k) => c.get(k))).toEqual([[4], undefined, [3], [5]]);
  });

  it('with a TTL of 0 keeps nothing', () => {
    const c = new WeightsCache(0);
    c.set('a', [1]);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });
});
