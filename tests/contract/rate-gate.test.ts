import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/engine/errors.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisRateGate } from '../../src/store/redis/rate-gate.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

/**
 * The Discord global limit shared by every process (`lua/rateSlot-1.lua`), on a real Redis with
 * two connections (two processes): slots are handed out evenly spaced on Redis's clock, across
 * both; a caller whose slot would be too far off reserves nothing and gets RateLimitedError.
 */
describe('RedisRateGate', () => {
  let redis: TestRedis;
  let a: Redis;
  let b: Redis;
  let n = 0;
  const keys = () => new Keys(`${redis.prefix}${++n}`);

  beforeAll(async () => {
    redis = await startTestRedis();
    a = connectRedis(redis.url);
    b = connectRedis(redis.url);
    await Promise.all([waitReady(a), waitReady(b)]);
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await redis?.dispose();
  });

  const slot = (r: Redis, key: string, interval: number, maxWait: number) =>
    (r as unknown as { rateSlot(k: string, i: number, m: number): Promise<number> }).rateSlot(
      key,
      interval,
      maxWait,
    );

  it('hands out slots one interval apart, across connections, in one round trip each', async () => {
    const key = keys().rateSlot('discord-global');
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) waits.push(await slot(i % 2 ? b : a, key, 1_000, 60_000));
    expect(waits[0]).toBe(0);
    // Each slot is 1 s after the previous one; the calls themselves take a little of that time.
    for (let i = 1; i < waits.length; i++) {
      const gap = (waits[i] as number) - (waits[i - 1] as number);
      expect(gap).toBeGreaterThan(500);
      expect(gap).toBeLessThanOrEqual(1_001);
    }
  });

  it('reserves nothing when the slot is further off than the caller waits', async () => {
    const key = keys().rateSlot('discord-global');
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await slot(a, key, 1_000, 2_500));
    expect(got.slice(0, 3).every((w) => w >= 0)).toBe(true);
    expect(got.slice(3)).toEqual([-1, -1]);
    await expect(slot(a, key, 0, 10)).rejects.toThrow(/rateSlot: bad arguments/);
  });

  it('spaces slots at 90 % of the rate: a late event loop sending two slots together stays under it', () => {
    expect(new RedisRateGate(a, { name: 'g', perSecond: 50 }, keys()).intervalMs).toBeCloseTo(1000 / 45, 9);
    expect(new RedisRateGate(a, { name: 'g', perSecond: 50, headroom: 1 }, keys()).intervalMs).toBe(20);
  });

  it('acquire waits for its slot, and throws RateLimitedError when the queue is too long', async () => {
    const k = keys();
    const gate = new RedisRateGate(a, { name: 'g', perSecond: 20, maxWaitMs: 120 }, k);
    await gate.acquire();
    await gate.acquire();
    const other = new RedisRateGate(b, { name: 'g', perSecond: 20, maxWaitMs: 120 }, k);
    const results = await Promise.allSettled([
      other.acquire(),
      other.acquire(),
      other.acquire(),
      other.acquire(),
    ]);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
    ).toEqual(expect.arrayContaining([expect.any(RateLimitedError)]));
    const aborted = AbortSignal.abort(new Error('claim lost'));
    await expect(gate.acquire(aborted)).rejects.toThrow(/claim lost/);
  });
});
