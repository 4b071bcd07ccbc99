import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_ID,
  chartUrl,
  MemoryChartStore,
  newChartId,
  RedisChartStore,
} from '../../src/web/chart-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300)]);

describe('chart store: ids, URLs and the embedded store', () => {
  it('ids are 128 random bits in base64url and match the strict pattern', () => {
    const ids = new Set(Array.from({ length: 200 }, newChartId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(CHART_ID);
    expect(CHART_ID.test('../../etc/passwd')).toBe(false);
    expect(chartUrl('https://q.example.com/bot', 'abc')).toBe('https://q.example.com/bot/charts/abc.png');
    expect(chartUrl('https://q.example.com/', 'abc')).toBe('https://q.example.com/charts/abc.png');
  });

  it('keeps a chart until its TTL, then forgets it; holds at most `max`, oldest dropped first', async () => {
    let now = 1_000;
    const store = new MemoryChartStore(() => now, 2);
    const a = await store.put(PNG, 5_000);
    expect(await store.get(a)).toEqual({ png: PNG, remainingMs: 5_000 });
    now += 5_000;
    expect(await store.get(a)).toBeNull();
    const b = await store.put(PNG, 5_000);
    const c = await store.put(PNG, 5_000);
    const d = await store.put(PNG, 5_000);
    expect(await store.get(b)).toBeNull();
    expect((await store.get(c))?.png).toEqual(PNG);
    expect((await store.get(d))?.png).toEqual(PNG);
    expect(await store.get('not an id')).toBeNull();
  });
});

describe('chart store on Redis: any replica serves what another stored', () => {
  let server: TestRedis;
  let one: Redis;
  let two: Redis;

  beforeAll(async () => {
    server = await startTestRedis();
    one = new Redis(server.url);
    two = new Redis(server.url);
  });

  afterAll(async () => {
    one?.disconnect();
    two?.disconnect();
    await server?.dispose();
  });

  it('stores the bytes with a PX expiry under its own key; another client reads them back', async () => {
    const id = await new RedisChartStore(one, server.prefix).put(PNG, 60_000);
    const got = await new RedisChartStore(two, server.prefix).get(id);
    expect(got?.png.equals(PNG)).toBe(true);
    expect(got?.remainingMs).toBeGreaterThan(55_000);
    expect(got?.remainingMs).toBeLessThanOrEqual(60_000);
    expect(await one.pttl(`${server.prefix}:chart:${id}`)).toBeGreaterThan(0);
  });

  it('an unknown, malformed or expired id is null', async () => {
    const store = new RedisChartStore(one, server.prefix);
    expect(await store.get(newChartId())).toBeNull();
    expect(await store.get('*')).toBeNull();
    const id = await store.put(PNG, 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.get(id)).toBeNull();
  });
});
