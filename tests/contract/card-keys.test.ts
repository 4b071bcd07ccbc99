import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardKeys } from '../../src/store/redis/card-keys.js';
import { Keys } from '../../src/store/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { readyClient } from '../helpers/team-stores.js';

let server: TestRedis;
let redis: Redis;
let other: Redis;
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
  other = await readyClient(server);
});
afterAll(async () => {
  redis?.disconnect();
  other?.disconnect();
  await server?.dispose();
});

const fresh = () => new Keys(`${server.prefix}ck${++n}`);

describe('card keys (lua/cardKeys-2.lua): one short key per (deck, card id), forever', () => {
  it('assigns keys in order, keeps them across processes and deck edits, never reuses one', async () => {
    const keys = fresh();
    const a = new CardKeys(redis, keys);
    expect(await a.assign('k8s', ['pods', 'nodes', 'pods'])).toEqual(['1', '2', '1']);
    // Another process, after the deck lost `pods` and gained `jobs`: `nodes` keeps its key, `jobs` gets a new one.
    const b = new CardKeys(other, keys);
    expect(await b.assign('k8s', ['nodes', 'jobs'])).toEqual(['2', '3']);
    expect(await b.assign('git', ['nodes'])).toEqual(['1']);
    // The first process learns keys it has not seen by reading the deck's map again.
    expect(a.cached('k8s', 'jobs')).toBeUndefined();
    expect(await a.idsOf('k8s', ['3', '1'])).toEqual(['jobs', 'pods']);
    expect(a.cached('k8s', 'jobs')).toBe('3');
    expect(await a.keyOf('k8s', 'nodes')).toBe('2');
    await expect(a.idsOf('k8s', ['99'])).rejects.toThrow(/no card id/);
  });

  it('gives concurrent processes the same key for the same card', async () => {
    const keys = fresh();
    const ids = Array.from({ length: 300 }, (_, i) => `card-${i}`);
    const [x, y] = await Promise.all([
      new CardKeys(redis, keys).assign('d', ids),
      new CardKeys(other, keys).assign('d', [...ids].reverse()),
    ]);
    expect([...(y ?? [])].reverse()).toEqual(x);
    expect(new Set(x).size).toBe(300);
    expect(await redis.get(keys.cardKeyCounter('d'))).toBe('300');
  });

  it('validates its arguments before writing anything', async () => {
    const keys = fresh();
    const script = (redis as unknown as { cardKeys(...a: string[]): Promise<string[]> }).cardKeys.bind(redis);
    await expect(script(keys.cardKeyIds('d'), keys.cardKeyCounter('d'), 'a', '')).rejects.toThrow(
      /bad arguments/,
    );
    await expect(script(keys.cardKeyIds('d'), keys.cardKeyCounter('d'))).rejects.toThrow(/bad arguments/);
    expect(await redis.exists(keys.cardKeyIds('d'), keys.cardKeyCounter('d'))).toBe(0);
  });
});
