import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What {@link Metrics.watchRedis} needs of a Redis client: INFO. */
export interface RedisInfoSource {
  /** `INFO <section>` as Redis returns it. */
  info(section: string): Promise<string>;
}

/** One numeric field of an INFO reply, or null. */
export function infoField(info: string, field: string): number | null {
  const m = new RegExp(`^${field}:(\\d+)\\r?$`, 'm').exec(info);
  return m ? Number(m[1]) : null;
}

/** The process's Prometheus metrics (prom-client), one registry per process. */
export class Metrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  /** Interactions handled, by platform and kind (command, button, ...) and outcome. */
  readonly interactions = new Counter({
    name: 'quizbot_interactions_total',
    help: 'Interactions handled, by platform, kind and outcome',
    labelNames: ['platform', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  /** Time from receiving an interaction to answering it. */
  readonly latency = new Histogram({
    name: 'quizbot_interaction_duration_seconds',
    help: 'Time from receiving an interaction to answering it',
    labelNames: ['platform', 'kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });
  /** Self-review grades applied, by rating. */
  readonly grades = new Counter({
    name: 'quizbot_grades_total',
    help: 'Self-review grades applied, by rating',
    labelNames: ['rating'] as const,
    registers: [this.registry],
  });
  /** Daily rounds, by event: posted, closed, failed. */
  readonly rounds = new Counter({
    name: 'quizbot_daily_rounds_total',
    help: 'Daily rounds posted, closed and failed',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  /** Store failures seen by users (Redis unreachable, timeouts). */
  readonly storeErrors = new Counter({
    name: 'quizbot_redis_errors_total',
    help: 'Store operations that failed (Redis unreachable or erroring)',
    registers: [this.registry],
  });

  /**
   * Reports Redis memory at each scrape (INFO memory, one round trip): `used_memory` and
   * `maxmemory` (0 = no limit). With `noeviction` a full Redis refuses writes, so alert well before
   * used reaches max. While Redis is away both read NaN rather than a stale value.
   */
  watchRedis(redis: RedisInfoSource): void {
    let pending: Promise<void> | null = null;
    // One INFO per scrape serves both gauges (the registry collects them together).
    const collect = async () => {
      pending ??= read().finally(() => {
        pending = null;
      });
      await pending;
    };
    const used = new Gauge({
      name: 'quizbot_redis_used_memory_bytes',
      help: 'Memory Redis uses (INFO memory used_memory)',
      registers: [this.registry],
      collect,
    });
    const max = new Gauge({
      name: 'quizbot_redis_maxmemory_bytes',
      help: 'Memory limit of Redis (INFO memory maxmemory; 0 = none)',
      registers: [this.registry],
      collect,
    });
    const read = async () => {
      try {
        const info = await redis.info('memory');
        const u = infoField(info, 'used_memory');
        const m = infoField(info, 'maxmemory');
        if (u === null || m === null) throw new Error('INFO memory without used_memory/maxmemory');
        used.set(u);
        max.set(m);
      } catch {
        // NaN rather than the last value: a stale figure would look healthy.
        used.set(Number.NaN);
        max.set(Number.NaN);
      }
    };
  }

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Times one interaction; call the returned function when it is answered. */
  startInteraction(platform: string, kind: string): (outcome: 'ok' | 'refused' | 'error') => void {
    const end = this.latency.startTimer({ platform, kind });
    return (outcome) => {
      end();
      this.interactions.inc({ platform, kind, outcome });
    };
  }
}
