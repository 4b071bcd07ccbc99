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

  it('/readyz is 503 with Redis stopped and 200 again after it returns', async () => {
    if (!redis.owned) return;
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
  });

  it('/metrics serves Prometheus text with quizbot and process metrics', async () => {
    const done = metrics.startInteraction('discord', 'button');
    done('ok');
    metrics.grades.inc({ rating: '3' });
    metrics.rounds.inc({ event: 'posted' });
    metrics.storeErrors.inc();
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toContain('quizbot_interactions_total{platform="discord",kind="button",outcome="ok"} 1');
    expect(text).toContain('quizbot_interaction_duration_seconds_bucket');
    expect(text).toContain('quizbot_grades_total{rating="3"} 1');
    expect(text).toContain('quizbot_daily_rounds_total{event="posted"} 1');
    expect(text).toContain('quizbot_redis_errors_total 1');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('unknown paths are 404 and other methods 405', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${http.port}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
