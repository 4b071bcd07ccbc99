import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/http/metrics.js';
import { startHttp } from '../../src/http/server.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

// Issue 11, item 5: /metrics shows how much memory Redis uses and its limit (maxmemory with
// noeviction refuses writes when full), read from INFO of a real redis-server at each scrape.

function sample(body: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : null;
}

describe('http: /metrics reports Redis memory', () => {
  let redis: TestRedis;
  let client: ReturnType<typeof connectRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = connectRedis(redis.url);
    await waitReady(client);
    const metrics = new Metrics({ defaults: false });
    metrics.watchRedis(client);
    http = await startHttp({ port: 0, host: '127.0.0.1', metrics, checks: {} });
  });
  afterAll(async () => {
    await http?.close();
    client?.disconnect();
    await redis?.dispose();
  });

  const scrape = async () => (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();

  it('shows used_memory and maxmemory as Redis reports them', async () => {
    await client.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    const before = await scrape();
    expect(sample(before, 'quizbot_redis_maxmemory_bytes')).toBe(64 * 1024 * 1024);
    const used = sample(before, 'quizbot_redis_used_memory_bytes');
    expect(used).toBeGreaterThan(0);
    // 4 MB more data shows up at the next scrape.
    await client.set(`${redis.prefix}:blob`, 'x'.repeat(4 * 1024 * 1024));
    const after = sample(await scrape(), 'quizbot_redis_used_memory_bytes');
    expect(after).toBeGreaterThan((used ?? 0) + 4_000_000);
    await client.del(`${redis.prefix}:blob`);
  });

  it.skipIf(Boolean(process.env.TEST_REDIS_URL))(
    'reads NaN (not a stale value) while Redis is away, and /metrics still answers',
    async () => {
      await redis.stop();
      const res = await fetch(`http://127.0.0.1:${http.port}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(sample(body, 'quizbot_redis_used_memory_bytes')).toBeNaN();
      await redis.start();
      await waitReady(client, 10_000);
      await client.ping();
      expect(sample(await scrape(), 'quizbot_redis_used_memory_bytes')).toBeGreaterThan(0);
    },
  );
});
