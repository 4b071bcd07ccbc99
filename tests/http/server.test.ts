import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/http/metrics.js';
import { startHttp } from '../../src/http/server.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

describe('http: /healthz, /readyz, /metrics', () => {
  let redis: TestRedis;
  let http: Awaited<ReturnType<typeof startHttp>>;
  let client: ReturnType<typeof connectRedis>;
  const metrics = new Metrics();
  let platformUp = true;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = connectRedis(redis.url);
    await waitReady(client);
    http = await startHttp({
      port: 0,
      host: '127.0.0.1',
      metrics,
      checks: {
        store: async () => {
          await client.ping();
          return null;
        },
        discord: async () => (platformUp ? null : 'discord not connected'),
      },
      checkTimeoutMs: 500,
    });
  });
  afterAll(async () => {
    await http?.close();
    client?.disconnect();
    await redis?.dispose();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${http.port}${path}`);

  it('/healthz answers while the process is up', async () => {
    const r = await get('/healthz');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 503 with the reason when a platform is down', async () => {
    platformUp = false;
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'not ready', failing: { discord: 'discord not connected' } });
    platformUp = true;
    expect((await get('/readyz')).status).toBe(200);
  });

  it.skipIf(Boolean(process.env.TEST_REDIS_URL))(
    '/readyz is 503 with Redis stopped and 200 again after it returns (skipped with TEST_REDIS_URL: it stops its own server)',
    async () => {
      await redis.stop();
      const down = await get('/readyz');
      expect(down.status).toBe(503);
      const body = (await down.json()) as { failing: Record<string, string> };
      expect(Object.keys(body.failing)).toEqual(['store']);
      await redis.start();
      const until = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < until) {
        status = (await get('/readyz')).status;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    },
  );

  // The quizbot counters are asserted where real interactions drive them: a real bot process
  // answering signed Slack requests (tests/e2e/process/slack.test.ts). Here: the exposition itself.
  it('/metrics serves Prometheus text with the quizbot metric families and process metrics', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    for (const family of [
      'quizbot_interactions_total',
      'quizbot_interaction_duration_seconds',
      'quizbot_grades_total',
      'quizbot_daily_rounds_total',
      'quizbot_redis_errors_total',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('unknown paths are 404 and other methods 405', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${http.port}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
